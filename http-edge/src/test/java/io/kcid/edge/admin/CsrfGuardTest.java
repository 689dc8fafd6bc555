package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CsrfGuardTest {
  private static final CsrfGuard HTTP = new CsrfGuard(false);
  private static final String TOKEN = CsrfGuard.newToken();

  private static HttpHeaders headers(String... pairs) {
    HttpHeaders headers = new DefaultHttpHeaders().set("Host", "127.0.0.1:8081");
    for (int i = 0; i < pairs.length; i += 2) {
      headers.set(pairs[i], pairs[i + 1]);
    }
    return headers;
  }

  @Test
  void tokensAre256RandomBitsAndDiffer() {
    Set<String> tokens = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String token = CsrfGuard.newToken();
      assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
      tokens.add(token);
    }
    assertThat(tokens).hasSize(1000);
  }

  @Test
  void aSameOriginFormWithTheSessionsTokenPasses() {
    assertThat(HTTP.refusal(headers("Origin", "http://127.0.0.1:8081", "Sec-Fetch-Site", "same-origin"), TOKEN, TOKEN)).isNull();
    // A client that sends no fetch metadata nor Origin (curl) is judged by the token alone.
    assertThat(HTTP.refusal(headers(), TOKEN, TOKEN)).isNull();
    // A user's own navigation (typed, bookmarked) is "none".
    assertThat(HTTP.refusal(headers("Sec-Fetch-Site", "none"), TOKEN, TOKEN)).isNull();
  }

  @Test
  void aMissingOrWrongTokenIsRefused() {
    assertThat(HTTP.refusal(headers(), TOKEN, null)).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    assertThat(HTTP.refusal(headers(), TOKEN, "")).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    assertThat(HTTP.refusal(headers(), TOKEN, CsrfGuard.newToken())).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    assertThat(HTTP.refusal(headers(), TOKEN, TOKEN.substring(1))).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    assertThat(HTTP.refusal(headers(), TOKEN, TOKEN + "x")).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    // A session without a token (never) matches nothing, not even an empty form value.
    assertThat(HTTP.refusal(headers(), "", "")).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
    assertThat(HTTP.refusal(headers(), null, null)).isEqualTo(ErrorReason.ERROR_REASON_CSRF_TOKEN_INVALID);
  }

  @Test
  void anotherSiteIsRefusedEvenWithTheRightToken() {
    for (String site : new String[] {"cross-site", "same-site", "CROSS-SITE"}) {
      assertThat(HTTP.refusal(headers("Sec-Fetch-Site", site), TOKEN, TOKEN)).as(site).isEqualTo(ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST);
    }
    for (String origin : new String[] {"http://evil.example", "null", "http://127.0.0.1:8082", "https://127.0.0.1:8081",
        "http://127.0.0.1:8081.evil.example"}) {
      assertThat(HTTP.refusal(headers("Origin", origin), TOKEN, TOKEN)).as(origin).isEqualTo(ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST);
    }
    // Without a Host header no Origin can match.
    HttpHeaders noHost = new DefaultHttpHeaders().set("Origin", "http://127.0.0.1:8081");
    assertThat(HTTP.refusal(noHost, TOKEN, TOKEN)).isEqualTo(ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST);
  }

  @Test
  void theSignInAndSignOutFormsAreJudgedByWhereTheyComeFrom() {
    assertThat(HTTP.crossSite(headers())).isFalse();
    assertThat(HTTP.crossSite(headers("Origin", "http://127.0.0.1:8081", "Sec-Fetch-Site", "same-origin"))).isFalse();
    assertThat(HTTP.crossSite(headers("Sec-Fetch-Site", "cross-site"))).isTrue();
    assertThat(HTTP.crossSite(headers("Origin", "http://evil.example"))).isTrue();
  }

  @Test
  void anHttpsListenerExpectsAnHttpsOrigin() {
    CsrfGuard https = new CsrfGuard(true);
    assertThat(https.refusal(headers("Origin", "https://127.0.0.1:8081"), TOKEN, TOKEN)).isNull();
    assertThat(https.refusal(headers("Origin", "http://127.0.0.1:8081"), TOKEN, TOKEN))
        .isEqualTo(ErrorReason.ERROR_REASON_CROSS_SITE_REQUEST);
  }
}
