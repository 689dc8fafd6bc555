package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.Test;

/** KCID_REDIS_URL: the three shapes it accepts, and the messages for what it refuses. */
class RedisEndpointTest {
  private static String password(RedisURI uri) {
    var credentials = uri.getCredentialsProvider().resolveCredentials().block();
    return credentials.hasPassword() ? new String(credentials.getPassword()) : null;
  }

  @Test
  void standaloneUrls() {
    var plain = (RedisEndpoint.Standalone) RedisEndpoint.parse("redis://:s3cret@redis.internal:6380/2");
    assertThat(plain.uri().getHost()).isEqualTo("redis.internal");
    assertThat(plain.uri().getPort()).isEqualTo(6380);
    assertThat(plain.uri().getDatabase()).isEqualTo(2);
    assertThat(password(plain.uri())).isEqualTo("s3cret");
    assertThat(((RedisEndpoint.Standalone) RedisEndpoint.parse("rediss://redis.internal")).uri().isSsl()).isTrue();
  }

  @Test
  void sentinelUrlsInLettucesSyntax() {
    var sentinel = (RedisEndpoint.Sentinel) RedisEndpoint.parse("redis-sentinel://s3cret@s1:26379,s2:26380/1#kcid-main");
    assertThat(sentinel.uri().getSentinelMasterId()).isEqualTo("kcid-main");
    assertThat(sentinel.uri().getSentinels()).extracting(RedisURI::getHost, RedisURI::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s1", 26379), org.assertj.core.groups.Tuple.tuple("s2", 26380));
    assertThat(sentinel.uri().getDatabase()).isEqualTo(1);
    assertThat(password(sentinel.uri())).isEqualTo("s3cret");
  }

  @Test
  void clusterSeedListsShareCredentialsAndTls() {
    var cluster = (RedisEndpoint.Cluster) RedisEndpoint.parse("rediss-cluster://:s3cret@n1:7000, n2:7001,[::1]:7002/");
    assertThat(cluster.seeds()).extracting(RedisURI::getHost, RedisURI::getPort).containsExactly(
        org.assertj.core.groups.Tuple.tuple("n1", 7000),
        org.assertj.core.groups.Tuple.tuple("n2", 7001),
        org.assertj.core.groups.Tuple.tuple("[::1]", 7002));
    assertThat(cluster.seeds()).allSatisfy(seed -> {
      assertThat(seed.isSsl()).isTrue();
      assertThat(password(seed)).isEqualTo("s3cret");
    });
    assertThat(((RedisEndpoint.Cluster) RedisEndpoint.parse("redis-cluster://n1")).seeds().get(0).getPort())
        .isEqualTo(6379);
  }

  @Test
  void refusalsNameTheValueWithoutItsPasswordAndWhatWasExpected() {
    assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://:s3cret@n1:7000,,n2:7001"))
        .hasMessageContaining("KCID_REDIS_URL=redis-cluster://***@n1:7000,,n2:7001")
        .hasMessageContaining("an empty seed")
        .hasMessageContaining("redis-cluster://[:password@]host:port[,host:port…]")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://n1:7000/3"))
        .hasMessageContaining("no path or options");
    assertThatThrownBy(() -> RedisEndpoint.parse("redis-sentinel://s1:26379"))
        .hasMessageContaining("KCID_REDIS_URL=redis-sentinel://s1:26379");
    assertThatThrownBy(() -> RedisEndpoint.parse("memcached://m1:11211"))
        .hasMessageContaining("unknown scheme 'memcached'");
    assertThatThrownBy(() -> RedisEndpoint.parse(""))
        .hasMessageContaining("it is empty");
  }
}
