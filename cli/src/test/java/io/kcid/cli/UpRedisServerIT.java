package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./kcid up --redis-server}: a binary that is not there is a configuration error (exit 2,
 * the reason on stderr) before anything starts, not a stack trace or a half-started kcid.
 * (LocalRedisTest shows a named binary is the one that runs.)
 */
class UpRedisServerIT {
  @Test
  void aMissingRedisServerIsAnInvalidConfigurationAndNothingStarts() throws Exception {
    Path dir = Files.createTempDirectory("kcid-up-redis-server");
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("kcid.jar"), "io.kcid.cli.KcidCli", "up", "--redis-server", "/no/such/redis-server"))
        .directory(dir.toFile())
        .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    builder.environment().put("KCID_HOME", dir.resolve("home").toString());
    Process up = builder.start();
    try {
      assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("kcid up gave up at once").isTrue();
    } finally {
      up.destroyForcibly();
    }
    String err = Files.readString(dir.resolve("err"), StandardCharsets.UTF_8);
    assertThat(up.exitValue()).as(err).isEqualTo(2);
    assertThat(err).contains("kcid up: invalid configuration: KCID_REDIS_SERVER (--redis-server) "
        + "/no/such/redis-server is not an executable file");
    assertThat(err).doesNotContain("\tat ");
    assertThat(Files.exists(dir.resolve("home").resolve("redis"))).as("no Redis data directory made").isFalse();
  }
}
