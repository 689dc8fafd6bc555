package io.kcid.server.delivery.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Retry-After parsing and the redaction of response excerpts. */
class RetryAfterAndExcerptTest {
  private static final Instant NOW = Instant.parse("2026-12-04T01:00:00Z");

  @Test
  void retryAfterAcceptsSecondsAndHttpDates() {
    assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Fri, 04 Dec 2026 01:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
    assertThat(RetryAfter.parse("Thu, 03 Dec 2026 01:00:00 GMT", NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("99999999999999999999", NOW)).contains(Duration.ofDays(365));
    assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
    assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
    assertThat(RetryAfter.parse("", NOW)).isEmpty();
    assertThat(RetryAfter.parse(null, NOW)).isEmpty();
  }

  @Test
  void excerptsRedactSecretsBeforeTruncating() {
    String excerpt = ResponseExcerpt.of(
        ("{\"error\":\"bad\",\"access_token\":\"abc\",\"Authorization\":\"Bearer xyz.123\"} whsec_AAAA"
            + " password=pw1 " + "Z".repeat(40)).getBytes(StandardCharsets.UTF_8));
    assertThat(excerpt).contains("\"error\":\"bad\"", "[redacted]")
        .doesNotContain("abc\"", "xyz.123", "whsec_AAAA", "pw1", "ZZZZZZZZZZ");
    String longText = ResponseExcerpt.of(("x ".repeat(300) + "secret=" + "s".repeat(10)).getBytes(StandardCharsets.UTF_8));
    assertThat(longText).hasSize(ResponseExcerpt.MAX_CHARS);
    assertThat(ResponseExcerpt.of(new byte[0])).isEmpty();
    assertThat(ResponseExcerpt.of("line1\r\nline2\u0000".getBytes(StandardCharsets.UTF_8))).isEqualTo("line1 \nline2 ");
  }
}
