package io.kcid.bench.env;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RedisInfo against a real redis-server: what it stores, apart from the buffers of traffic. */
class RedisInfoTest {
  private static final int MB = 1 << 20;

  @Test
  void storedMemoryLeavesOutAClientsUnreadReplies() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary(); RedisInfo info = new RedisInfo(redis.url())) {
      RedisClient client = RedisClient.create(redis.url());
      try {
        client.connect().sync().set("big", "x".repeat(MB));
      } finally {
        client.shutdown();
      }
      long usedBefore = info.usedMemory();
      long storedBefore = info.storedMemory();
      assertThat(storedBefore).isPositive().isLessThanOrEqualTo(usedBefore);
      // A client that asks for 40 MB of replies and reads none: Redis holds them in its output buffer.
      try (Socket slow = new Socket("127.0.0.1", redis.port())) {
        slow.setReceiveBufferSize(4096);
        OutputStream out = slow.getOutputStream();
        out.write("GET big\r\n".repeat(40).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (info.usedMemory() - usedBefore < 20L * MB && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(info.usedMemory() - usedBefore).isGreaterThan(20L * MB);
        Thread.sleep(500); // Redis' clientsCron refreshes the clients' buffer figures every 100 ms
        assertThat(Math.abs(info.storedMemory() - storedBefore)).isLessThan(MB);
      }
    }
  }

  @Test
  void rewritingIsTrueFromTheRewritesRequestUntilItsChildIsDone() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary(); RedisInfo info = new RedisInfo(redis.url())) {
      RedisClient client = RedisClient.create(redis.url());
      try {
        var sync = client.connect().sync();
        for (int i = 0; i < 20; i++) {
          sync.set("k" + i, "v");
        }
        assertThat(info.rewriting()).isFalse();
        // The child sleeps 50 ms per key it writes: a rewrite of about a second.
        sync.configSet("rdb-key-save-delay", "50000");
        sync.bgrewriteaof();
        assertThat(info.rewriting()).isTrue();
        sync.configSet("rdb-key-save-delay", "0");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (info.rewriting() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(info.rewriting()).isFalse();
        assertThat(info.section("persistence").get("aof_last_bgrewrite_status")).isEqualTo("ok");
      } finally {
        client.shutdown();
      }
    }
  }
}
