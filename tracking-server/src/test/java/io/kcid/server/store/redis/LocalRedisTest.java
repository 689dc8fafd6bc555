package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import redis.embedded.core.ExecutableProvider;

/** Which redis-server the local default runs: the bundled one, or the binary an operator names. */
class LocalRedisTest {
  @Test
  void runsTheNamedBinary() throws Exception {
    Path dir = Files.createTempDirectory("kcid-local-redis");
    // A copy of the bundled binary under a path of its own: the process must run from exactly there.
    Path named = dir.resolve("my-redis-server");
    Files.copy(ExecutableProvider.newJarResourceProvider().get().toPath(), named, StandardCopyOption.REPLACE_EXISTING);
    assertThat(named.toFile().setExecutable(true)).isTrue();
    try (LocalRedis redis = LocalRedis.start(0, dir.resolve("data"), false, LocalRedis.binary(named.toString()))) {
      RedisClient client = RedisClient.create(redis.url());
      try (var connection = client.connect()) {
        assertThat(connection.sync().info("server")).contains("executable:" + named);
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void noNameIsTheBundledBinaryAndABadNameIsRefusedBeforeAnythingStarts() throws Exception {
    // The bundled binary is extracted anew for each provider: the same file name, another directory.
    String bundled = ExecutableProvider.newJarResourceProvider().get().getName();
    assertThat(LocalRedis.binary(null).get().getName()).isEqualTo(bundled).startsWith("redis-server-6.2");
    assertThat(LocalRedis.binary(" ").get().getName()).isEqualTo(bundled);
    Path notExecutable = Files.createTempFile("kcid-not-redis", ".txt");
    assertThatThrownBy(() -> LocalRedis.binary(notExecutable.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("KCID_REDIS_SERVER (--redis-server) " + notExecutable + " is not an executable file");
    assertThatThrownBy(() -> LocalRedis.binary("/no/such/redis-server"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/no/such/redis-server is not an executable file");
  }
}
