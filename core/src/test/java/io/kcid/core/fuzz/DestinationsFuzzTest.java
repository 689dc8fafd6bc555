package io.kcid.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kcid.core.KcidException;
import io.kcid.core.click.Destinations;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Fuzzes the destination validator and the kcid rewriter (seeds: the open-redirect corpus of the
 * fault tests, and ordinary landing pages). Documented outcomes only: {@code validate} accepts or
 * throws DESTINATION_INVALID; whatever it accepts is an absolute http(s) URL whose host
 * java.net.URI reads the same way before and after the kcid is put in, with no userinfo, and the
 * rewritten URL is accepted again.
 */
class DestinationsFuzzTest {
  private static final String KCID = "22tb3k0q0r0j8w5z9d7m6c4x2a1s0f9e";

  @FuzzTest(maxDuration = "10s")
  void acceptedDestinationsKeepSchemeAndHostThroughTheRewrite(byte[] input) {
    String url = new String(input, StandardCharsets.UTF_8);
    URI accepted;
    try {
      accepted = Destinations.validate(url);
    } catch (KcidException e) {
      assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_INVALID);
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    String scheme = accepted.getScheme().toLowerCase(Locale.ROOT);
    assertThat(scheme).isIn("http", "https");
    assertThat(accepted.getHost()).isNotEmpty();
    assertThat(accepted.getRawUserInfo()).isNull();
    assertThat(url).doesNotContain("\\").doesNotContainPattern("[\\x00-\\x20\\x7f]");

    String rewritten = Destinations.withKcid(url, KCID, "kcid");
    URI redirect = URI.create(rewritten);
    assertThat(redirect.getScheme().toLowerCase(Locale.ROOT)).isEqualTo(scheme);
    assertThat(redirect.getHost()).isEqualTo(accepted.getHost());
    assertThat(redirect.getPort()).isEqualTo(accepted.getPort());
    assertThat(redirect.getRawUserInfo()).isNull();
    assertThat(rewritten).contains(KCID);
    // The limit is on what advertisers configure: the kcid may take an accepted URL past it
    // (a seed keeps that case), and the redirect is never re-validated for length.
    if (rewritten.length() <= Destinations.MAX_LENGTH) {
      assertThat(Destinations.validate(rewritten).getHost()).isEqualTo(accepted.getHost());
    }
  }
}
