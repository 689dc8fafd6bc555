package io.kcid.edge.spool;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.ClickSecret;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edge's copy of the click secrets follows the server's WatchClickVerifiers stream (real gRPC
 * against a scripted ClickService): pushed changes apply at once, without waiting for the full
 * refresh (here one hour), and a broken watch is reopened and followed by a full list.
 */
class ClickVerifiersWatchTest {
  private static final int PARTITIONS = 16;

  /** What the scripted server lists, and the watches the edge opened. */
  private final Map<String, ClickVerifier> listed = new ConcurrentHashMap<>();
  private final BlockingQueue<StreamObserver<WatchClickVerifiersResponse>> watches = new LinkedBlockingQueue<>();
  private final AtomicInteger lists = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;
  private ClickVerifiers verifiers;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ClickServiceGrpc.ClickServiceImplBase() {
          @Override
          public void listClickVerifiers(ListClickVerifiersRequest request, StreamObserver<ListClickVerifiersResponse> observer) {
            lists.incrementAndGet();
            observer.onNext(ListClickVerifiersResponse.newBuilder().setPartitions(PARTITIONS).addAllVerifiers(listed.values()).build());
            observer.onCompleted();
          }

          @Override
          public void watchClickVerifiers(WatchClickVerifiersRequest request, StreamObserver<WatchClickVerifiersResponse> observer) {
            watches.add(observer);
          }

          @Override
          public void inspectKcid(InspectKcidRequest request, StreamObserver<InspectKcidResponse> observer) {
            observer.onNext(InspectKcidResponse.newBuilder().setValid(true).build());
            observer.onCompleted();
          }
        })
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    verifiers = new ClickVerifiers(
        channel, new KcidCodec(KcidKeyRing.generate(1), PARTITIONS), PARTITIONS, Duration.ofHours(1), Duration.ofSeconds(5),
        Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    verifiers.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static ClickVerifier verifier(String account, String secret) {
    return ClickVerifier.newBuilder().setAccountId(account).addSecrets(ClickSecret.newBuilder().setSecret(secret)).build();
  }

  private static WatchClickVerifiersResponse change(ClickVerifier... changed) {
    return WatchClickVerifiersResponse.newBuilder().setPartitions(PARTITIONS).addAllVerifiers(java.util.List.of(changed)).build();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(until);
      Thread.sleep(10);
    }
  }

  private String secretOf(String account) {
    return verifiers.forAccount(account).map(v -> v.secrets().get(0).getSecret()).orElse(null);
  }

  @Test
  void aChangePushedByTheWatchIsUsedWithoutWaitingForTheFullRefresh() throws Exception {
    listed.put("acme", verifier("acme", "secret-1"));
    verifiers.start();
    StreamObserver<WatchClickVerifiersResponse> watch = watches.poll(20, TimeUnit.SECONDS);
    assertThat(watch).as("the edge opened a watch").isNotNull();
    await(verifiers::loaded, "the first full list");
    int listsBefore = lists.get();

    watch.onNext(change()); // registered: the edge lists everything once
    await(() -> lists.get() > listsBefore, "a full list after the watch registered");
    await(verifiers::watching, "watching");

    watch.onNext(change(verifier("newcomer", "secret-new"), verifier("acme", "secret-2")));
    await(() -> "secret-new".equals(secretOf("newcomer")), "the new account's secret");
    await(() -> "secret-2".equals(secretOf("acme")), "acme's rotated secret");
    assertThat(listed).doesNotContainKey("newcomer"); // learned from the watch, not from a list
  }

  @Test
  void aBrokenWatchIsReopenedAndFollowedByAFullList() throws Exception {
    verifiers.start();
    StreamObserver<WatchClickVerifiersResponse> first = watches.poll(20, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    first.onNext(change());
    await(verifiers::watching, "watching");

    first.onError(Status.UNAVAILABLE.withDescription("server restarting").asRuntimeException());
    StreamObserver<WatchClickVerifiersResponse> second = watches.poll(20, TimeUnit.SECONDS);
    assertThat(second).as("the watch was reopened").isNotNull();
    // Changed while no watch was open (the reopen runs on the edge's one scheduler thread, after the
    // first watch's list has finished): only a list after the reconnect can tell.
    listed.put("missed", verifier("missed", "secret-missed"));
    assertThat(secretOf("missed")).isNull();
    second.onNext(change());
    await(() -> "secret-missed".equals(secretOf("missed")), "what changed while the watch was down");
  }
}
