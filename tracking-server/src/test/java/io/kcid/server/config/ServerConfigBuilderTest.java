package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.kcid.KcidKeyRing;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder: the same defaults as {@code kcid server}, and the same checks at {@code build()}. */
class ServerConfigBuilderTest {
  private static ServerConfig.Builder minimal() {
    return ServerConfig.builder().redisUrl("redis://localhost:6379").macKeys(KcidKeyRing.generate(1));
  }

  @Test
  void defaultsAreThoseOfTheServerCommand() {
    ServerConfig built = minimal().build();
    ServerConfig parsed = ServerArgs.config();
    assertThat(built.listen()).isEqualTo(parsed.listen());
    assertThat(built.redis()).isEqualTo(parsed.redis());
    assertThat(built.kcid().partitions()).isEqualTo(parsed.kcid().partitions());
    assertThat(built.accountCache()).isEqualTo(parsed.accountCache());
    assertThat(built.stream()).isEqualTo(parsed.stream());
    assertThat(built.postbackLog()).isEqualTo(parsed.postbackLog());
    assertThat(built.stats()).isEqualTo(parsed.stats());
  }

  @Test
  void buildChecksEverySectionNamingTheVariable() {
    assertThatThrownBy(() -> ServerConfig.builder().macKeys(KcidKeyRing.generate(1)).build())
        .hasMessageContaining("KCID_REDIS_URL=(unset)");
    assertThatThrownBy(() -> minimal().grpcPort(70_000).build()).hasMessageContaining("KCID_GRPC_PORT=70000");
    assertThatThrownBy(() -> minimal().partitions(0).build()).hasMessageContaining("KCID_PARTITIONS=0");
    assertThatThrownBy(() -> minimal().redisTimeout(Duration.ofSeconds(6)).build())
        .hasMessageContaining("KCID_REDIS_TIMEOUT_MS=6000");
    assertThatThrownBy(() -> minimal().redisQueueSize(10).build()).hasMessageContaining("KCID_REDIS_QUEUE_SIZE=10");
    assertThatThrownBy(() -> minimal().accountCacheTtl(Duration.ofMillis(-1)).build())
        .hasMessageContaining("KCID_ACCOUNT_CACHE_MS");
    assertThatThrownBy(() -> minimal().streamMaxLength(10).build()).hasMessageContaining("KCID_STREAM_MAX_LENGTH=10");
    assertThatThrownBy(() -> minimal().streamPollInterval(Duration.ofMillis(1)).build())
        .hasMessageContaining("KCID_STREAM_POLL_MS=1");
    assertThatThrownBy(() -> minimal().statsRetention(Duration.ofHours(1)).build())
        .hasMessageContaining("KCID_STATS_RETENTION");
    assertThatThrownBy(() -> minimal().drainDelay(Duration.ofMillis(-1)).build())
        .hasMessageContaining("KCID_DRAIN_DELAY_MS");
    assertThatThrownBy(() -> minimal().macKeys(null).build()).hasMessageContaining("macKeys");
  }

  @Test
  void redactsThePasswordOfARedisUrl() {
    assertThat(RedisConfig.redactUrl("redis://:s3cret@redis.internal:6379/0")).isEqualTo("redis://***@redis.internal:6379/0");
    assertThat(minimal().redisUrl("redis://:s3cret@h:1").build().redis().redactedUrl()).doesNotContain("s3cret");
  }
}
