package io.kcid.edge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.kcid.edge.support.FakeBackend;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One edge, many tracking-servers: calls go to every address the backend target names. */
class BackendChannelsTest {
  /** Resolves {@code two-backends:///x} to two fixed addresses, as DNS names several servers. */
  private static final class TwoAddresses extends NameResolverProvider {
    private final List<EquivalentAddressGroup> addresses;

    TwoAddresses(int first, int second) {
      addresses = List.of(
          new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", first)),
          new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", second)));
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
      return new NameResolver() {
        @Override
        public String getServiceAuthority() {
          return "tracking";
        }

        @Override
        public void start(Listener2 listener) {
          listener.onResult(ResolutionResult.newBuilder().setAddressesOrError(
              io.grpc.StatusOr.fromValue(addresses)).build());
        }

        @Override
        public void shutdown() {}
      };
    }

    @Override
    public String getDefaultScheme() {
      return "two-backends";
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }
  }

  @Test
  void callsAreSpreadOverEveryResolvedBackend() {
    try (FakeBackend a = new FakeBackend(); FakeBackend b = new FakeBackend()) {
      TwoAddresses resolver = new TwoAddresses(a.port(), b.port());
      NameResolverRegistry.getDefaultRegistry().register(resolver);
      ManagedChannel channel = BackendChannels.create("two-backends:///tracking");
      try {
        var clicks = ClickServiceGrpc.newBlockingStub(channel);
        for (int i = 0; i < 40; i++) {
          clicks.withDeadlineAfter(5, TimeUnit.SECONDS).issueClick(
              IssueClickRequest.newBuilder().setAccountId("a").setDestinationUrl("https://x.example/").build());
        }
        assertThat(a.clicks).isNotEmpty();
        assertThat(b.clicks).isNotEmpty();
        assertThat(a.clicks.size() + b.clicks.size()).isEqualTo(40);
      } finally {
        channel.shutdownNow();
        NameResolverRegistry.getDefaultRegistry().deregister(resolver);
      }
    }
  }
}
