package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of {@code ./kcid doctor} that need no deployment: lines, clock thresholds, the spool, Redis URLs. */
class DoctorChecksTest {
  @TempDir Path dir;

  @Test
  void aLineIsStatusCheckFindingAndFix() {
    assertThat(DoctorFinding.fail("spool", "/x is not writable", "chmod it").line())
        .isEqualTo("fail  spool: /x is not writable — chmod it");
    assertThat(DoctorFinding.ok("server", "localhost:9090 is SERVING").line()).isEqualTo("ok    server: localhost:9090 is SERVING");
  }

  @Test
  void clockSkewIsOkWithinASecondWarnBeyondAndFailBeyondThirtySeconds() {
    Instant now = Instant.parse("2026-12-03T16:00:00Z");
    assertThat(DoctorFinding.clockSkew("clock", now.plusMillis(900), now).status()).isEqualTo(DoctorFinding.Status.OK);
    assertThat(DoctorFinding.clockSkew("clock", now.minusSeconds(5), now).status()).isEqualTo(DoctorFinding.Status.WARN);
    assertThat(DoctorFinding.clockSkew("clock", now.plusSeconds(31), now).line())
        .startsWith("fail  clock: differs from this machine's by 31000 ms — run NTP");
  }

  @Test
  void theSpoolIsOffWritableToBeCreatedOrBroken() throws IOException {
    assertThat(SpoolDoctor.check("off", dir).line()).startsWith("ok    spool: off");
    assertThat(SpoolDoctor.check("", dir).line()).contains(dir.resolve("spool") + " does not exist yet");
    Files.createDirectories(dir.resolve("spool"));
    assertThat(SpoolDoctor.check(null, dir).line()).isEqualTo("ok    spool: " + dir.resolve("spool") + " is writable");
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThat(SpoolDoctor.check(file.resolve("spool").toString(), dir).status()).isEqualTo(DoctorFinding.Status.FAIL);
  }

  @Test
  void redisUrlsLoseTheirPasswordAndAnAbsentRedisIsSeenAtOnce() throws IOException {
    assertThat(RedisDoctor.redacted("redis://:secret@redis.internal:6379/0")).isEqualTo("redis://***@redis.internal:6379/0");
    assertThat(RedisDoctor.redacted("redis-sentinel://secret@s1:26379,s2:26379/0#kcid"))
        .isEqualTo("redis-sentinel://***@s1:26379,s2:26379/0#kcid");
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
      assertThat(RedisDoctor.anyHostAnswers("redis://:pw@127.0.0.1:" + closed + "/0")).isTrue();
      assertThat(RedisDoctor.anyHostAnswers("redis-cluster://127.0.0.1:1,127.0.0.1:" + closed)).isTrue();
    }
    assertThat(RedisDoctor.anyHostAnswers("redis://127.0.0.1:" + closed)).isFalse();
  }
}
