package io.kcid.edge.click;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedirectGuardTest {

  @ParameterizedTest
  @ValueSource(strings = {"http://a.example", "https://a.example/p?q=1#f", "HtTpS://A.example"})
  void safeUrlsPassUnchanged(String url) {
    assertThat(RedirectGuard.safeLocation(url)).hasValue(url);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://a.example/\r", "https://a.example/\u0000", "https://a.example/\u007f", "https://a.example/\u0085",
        "https://a.example/ x", "https://a.example\\b", "http:/a.example", "data:text/html,x", "https://a.example/\ud800"
      })
  void unsafeUrlsAreRefused(String url) {
    assertThat(RedirectGuard.safeLocation(url)).isEmpty();
  }

  @Test
  void nullIsRefused() {
    assertThat(RedirectGuard.safeLocation(null)).isEmpty();
  }

  @Test
  void nonAsciiIsPercentEncodedAsUtf8() {
    assertThat(RedirectGuard.safeLocation("https://a.example/ü/😀")).hasValue("https://a.example/%C3%BC/%F0%9F%98%80");
  }
}
