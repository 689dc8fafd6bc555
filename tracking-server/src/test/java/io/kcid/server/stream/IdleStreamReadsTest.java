package io.kcid.server.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.server.grpc.ConversionGrpcService;
import io.kcid.server.store.ConversionEventLog;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionEventLog;
import io.kcid.server.store.redis.RedisKeys;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An idle reader of a single Redis does not poll: it waits until the stream watch (XREAD BLOCK on
 * a connection of its own) sees an append, and then gets the event at once.
 */
class IdleStreamReadsTest {
  private static final int PARTITIONS = 4;

  @Test
  void anIdleReaderWaitsForAnAppendInsteadOfPolling() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000)) {
      CountingLog log = new CountingLog(RedisConversionEventLog.watching(connector, PARTITIONS));
      ConversionStreams streams = new ConversionStreams(log, null, Duration.ofMillis(20), 2);
      Server server = NettyServerBuilder.forPort(0).directExecutor()
          .addService(new ConversionGrpcService(null, null, null, streams)).build().start();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        BlockingQueue<Object> inbox = StreamInbox.open(channel);
        assertThat(inbox.poll(10, TimeUnit.SECONDS)).isInstanceOf(StreamConversionsResponse.class);
        Thread.sleep(1000);
        // Polling every 20 ms would have read each partition about 50 times by now.
        assertThat(log.reads.get()).isLessThanOrEqualTo(2 * PARTITIONS);

        long start = System.nanoTime();
        connector.commands().xadd(RedisKeys.stream(2), Map.of(
            bytes("type"), bytes("conversion"), bytes("id"), bytes("kcidx-1"), bytes("a"), bytes("acme"),
            bytes("n"), bytes("1")));
        Object event = inbox.poll(10, TimeUnit.SECONDS);
        assertThat(event).isInstanceOfSatisfying(StreamConversionsResponse.class,
            r -> assertThat(r.getEvent().getConversionId()).isEqualTo("kcidx-1"));
        // Woken by the append, well before the idle re-check.
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isLessThan(Duration.ofNanos(StreamSession.IDLE_RECHECK_NANOS).dividedBy(2));
      } finally {
        channel.shutdownNow();
        streams.close();
        server.shutdownNow();
      }
    }
  }

  /**
   * Under steady appends the watch re-arms every 50 ms. The JDK's default async pool starts a new
   * thread per task where the common pool has one thread or none (two cores or fewer, as CI and
   * many containers have): that was a thread per re-arm, about 20 a second.
   */
  @Test
  void steadyAppendsStartNoThreadPerReArm() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000)) {
      RedisConversionEventLog log = RedisConversionEventLog.watching(connector, PARTITIONS);
      AtomicInteger wakeUps = new AtomicInteger();
      watchWakeUps(log, wakeUps);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      connector.commands().xadd(RedisKeys.stream(1), Map.of(bytes("type"), bytes("warm-up")));
      Thread.sleep(200);
      long startedBefore = threads.getTotalStartedThreadCount();
      int wokenBefore = wakeUps.get();
      for (int i = 0; i < 150; i++) { // 1.5 s of appends: about 30 re-arms
        connector.commands().xadd(RedisKeys.stream(i % PARTITIONS), Map.of(bytes("type"), bytes("conversion")));
        Thread.sleep(10);
      }
      // The watch saw the appends (so it re-armed), and started no thread for it.
      assertThat(wakeUps.get() - wokenBefore).isGreaterThanOrEqualTo(10);
      assertThat(threads.getTotalStartedThreadCount() - startedBefore).isLessThanOrEqualTo(2);
    }
  }

  /** Counts the watch's wake-ups of idle readers, waiting again after each. */
  private static void watchWakeUps(ConversionEventLog log, AtomicInteger wakeUps) {
    long mark = log.appendMark();
    log.appendedSince(mark).thenRun(() -> {
      wakeUps.incrementAndGet();
      watchWakeUps(log, wakeUps);
    });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The log, counting partition reads. */
  private static final class CountingLog implements ConversionEventLog {
    final AtomicInteger reads = new AtomicInteger();
    private final ConversionEventLog log;

    CountingLog(ConversionEventLog log) {
      this.log = log;
    }

    @Override
    public int partitions() {
      return log.partitions();
    }

    @Override
    public CompletionStage<Position> tail(int partition) {
      return log.tail(partition);
    }

    @Override
    public CompletionStage<Long> trimHorizon(int partition) {
      return log.trimHorizon(partition);
    }

    @Override
    public CompletionStage<List<Entry>> read(int partition, String afterEntryId, int count) {
      reads.incrementAndGet();
      return log.read(partition, afterEntryId, count);
    }

    @Override
    public CompletionStage<Void> createGroup(int partition, String group, boolean fromStart) {
      return log.createGroup(partition, group, fromStart);
    }

    @Override
    public CompletionStage<List<Entry>> readNew(int partition, String group, String consumer, int count) {
      reads.incrementAndGet();
      return log.readNew(partition, group, consumer, count);
    }

    @Override
    public CompletionStage<List<Entry>> readPending(
        int partition, String group, String consumer, String afterEntryId, int count) {
      return log.readPending(partition, group, consumer, afterEntryId, count);
    }

    @Override
    public CompletionStage<Claimed> claim(
        int partition, String group, String consumer, Duration minIdle, String startId, int count) {
      return log.claim(partition, group, consumer, minIdle, startId, count);
    }

    @Override
    public CompletionStage<Long> ack(int partition, String group, List<String> entryIds) {
      return log.ack(partition, group, entryIds);
    }

    @Override
    public boolean signalsAppends() {
      return log.signalsAppends();
    }

    @Override
    public long appendMark() {
      return log.appendMark();
    }

    @Override
    public CompletionStage<Void> appendedSince(long mark) {
      return log.appendedSince(mark);
    }
  }
}
