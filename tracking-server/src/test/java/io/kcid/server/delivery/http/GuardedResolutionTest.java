package io.kcid.server.delivery.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.AttemptResult.Outcome;
import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connect-time SSRF check with a scripted DNS: every address of an answer is checked, and the
 * connection goes to the checked address without a second lookup (no DNS-rebinding window).
 */
class GuardedResolutionTest {
  private final AtomicInteger lookups = new AtomicInteger();
  private LocalReceiver receiver;
  private HttpDeliverySender sender;

  /** Answers from a fixed table, counting lookups. */
  private final class ScriptedDns extends AddressResolverGroup<InetSocketAddress> {
    private final Map<String, List<String>> answers;

    ScriptedDns(Map<String, List<String>> answers) {
      this.answers = answers;
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
      return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {
        @Override
        protected boolean doIsResolved(InetSocketAddress address) {
          return !address.isUnresolved();
        }

        @Override
        protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
          throw new UnsupportedOperationException("the guard resolves all addresses");
        }

        @Override
        protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise)
            throws UnknownHostException {
          lookups.incrementAndGet();
          List<String> ips = answers.get(unresolved.getHostString());
          if (ips == null) {
            promise.setFailure(new UnknownHostException(unresolved.getHostString()));
            return;
          }
          List<InetSocketAddress> out = new ArrayList<>();
          for (String ip : ips) {
            out.add(new InetSocketAddress(InetAddress.getByName(ip), unresolved.getPort()));
          }
          promise.setSuccess(out);
        }
      };
    }
  }

  @BeforeEach
  void start() throws Exception {
    receiver = new LocalReceiver();
    DeliveryConfig config = SenderFixtures.config(List.of("127.0.0.1/32"), Duration.ofSeconds(3));
    sender = new HttpDeliverySender(config, Clock.systemUTC(), new ScriptedDns(Map.of(
        "mixed.example", List.of("127.0.0.1", "10.0.0.7"),
        "metadata.example", List.of("169.254.169.254"),
        "allowed.example", List.of("127.0.0.1"))), null);
  }

  @AfterEach
  void stop() throws Exception {
    sender.close();
    receiver.close();
  }

  @Test
  void oneForbiddenAddressInTheAnswerForbidsTheHost() throws Exception {
    AttemptResult r = SenderFixtures.sendPostback(sender, "http://mixed.example:" + receiver.port() + "/ok");
    assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(r.attempt().getError()).contains("forbidden").contains("10.0.0.7");
    assertThat(receiver.seen()).isEmpty();
  }

  @Test
  void theMetadataAddressIsForbidden() throws Exception {
    AttemptResult r = SenderFixtures.sendPostback(sender, "http://metadata.example/latest/meta-data/");
    assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(r.attempt().getError()).contains("169.254.169.254");
  }

  @Test
  void anAllowedAnswerIsConnectedToAfterOneLookup() throws Exception {
    AttemptResult r = SenderFixtures.sendPostback(sender, "http://allowed.example:" + receiver.port() + "/ok");
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(lookups.get()).isEqualTo(1);
    assertThat(receiver.seen()).singleElement()
        .satisfies(s -> assertThat(s.header("Host")).isEqualTo("allowed.example:" + receiver.port()));
  }

  @Test
  void anUnresolvableHostRetries() throws Exception {
    AttemptResult r = SenderFixtures.sendPostback(sender, "http://nowhere.example/pb");
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getError()).startsWith("host does not resolve");
  }

}
