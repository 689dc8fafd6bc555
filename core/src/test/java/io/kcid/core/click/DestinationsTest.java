package io.kcid.core.click;

import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_DESTINATION_INVALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import java.net.URI;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationsTest {
  private static final String KCID = "22t9v000580g28t5cy4tqkffxbnpwabw";

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://shop.example                      | shop.example",
      "http://shop.example/                      | shop.example",
      "HTTPS://Shop.Example/Path                 | Shop.Example",
      "https://shop.example:8443/landing         | shop.example",
      "http://127.0.0.1:8080/x                   | 127.0.0.1",
      "https://[2001:db8::1]/x                   | [2001:db8::1]",
      "https://xn--bcher-kva.example/            | xn--bcher-kva.example",
      "https://shop.example/p?id=42&ref=ad       | shop.example",
      "https://shop.example/p?q=a%20b#reviews    | shop.example",
      "https://shop.example/p/{kcid}?x=1         | shop.example",
      "https://shop.example/p?click=%7Bkcid%7D   | shop.example",
  })
  void accepts(String url, String host) {
    URI uri = Destinations.validate(url);

    assertThat(uri.getHost()).isEqualTo(host);
    assertThat(uri.getScheme()).isEqualToIgnoringCase(url.substring(0, url.indexOf(':')));
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        "//evil.com", "/\\evil.com", "\\\\evil.com", "https:\\\\evil.com",
        "https://good.com@evil.com", "https://user:pw@evil.com", "javascript:alert(1)",
        "data:text/html,x", "ftp://x.com", "https://evil.com%2F@good.com", "https://ev\til.com",
        "https://evil.com/\r\nSet-Cookie:x", "http:/evil.com", "https:evil.com", "/path", "",
        "https://" + "a".repeat(3000) + ".com", "https:///evil.com", "https://%65vil.com/",
        "https://evil.com:99999/", "https://bücher.example/", "https://evil.com/a b",
        "https://evil.com/\u007F", "https://{kcid}.evil.com/", "https://", "JAVASCRIPT://x.com/")
        .map(url -> Arguments.of(url.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
            .replace("a".repeat(3000), "a…(3000)"), url));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("refused")
  void refuses(String printable, String url) {
    assertThatThrownBy(() -> Destinations.validate(url))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ERROR_REASON_DESTINATION_INVALID))
        .hasMessageEndingWith(".");
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> Destinations.validate(null)).isInstanceOf(KcidException.class);
  }

  @Test
  void characterProblemsAreLocated() {
    assertThatThrownBy(() -> Destinations.validate("https://evil.com/\r\nx"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.metadata()).containsEntry("position", "17"))
        .hasMessageContaining("U+000D");
  }

  @Test
  void maxLengthIsInclusive() {
    String prefix = "https://shop.example/";
    String atLimit = prefix + "a".repeat(Destinations.MAX_LENGTH - prefix.length());

    assertThat(Destinations.validate(atLimit)).isNotNull();
    assertThatThrownBy(() -> Destinations.validate(atLimit + "a"))
        .hasMessageContaining("2049 characters");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://s.example/p/{kcid}/x?a={kcid}   | kcid   | https://s.example/p/KCID/x?a=KCID",
      "https://s.example/?c=%7Bkcid%7D         | kcid   | https://s.example/?c=KCID",
      "https://s.example/?c=%7bKCID%7d#{kcid}  | kcid   | https://s.example/?c=KCID#KCID",
      "https://s.example/landing               | kcid   | https://s.example/landing?kcid=KCID",
      "https://s.example/p?id=42&ref=a%20b     | kcid   | https://s.example/p?id=42&ref=a%20b&kcid=KCID",
      "https://s.example/p?id=42#top?x&y       | kcid   | https://s.example/p?id=42&kcid=KCID#top?x&y",
      "https://s.example/p#frag                | kcid   | https://s.example/p?kcid=KCID#frag",
      "https://s.example/p?                    | kcid   | https://s.example/p?kcid=KCID",
      "https://s.example/p?id=1&               | kcid   | https://s.example/p?id=1&kcid=KCID",
      "https://s.example/p?id=1                | clk_id | https://s.example/p?id=1&clk_id=KCID",
  })
  void withKcid(String destination, String parameter, String expected) {
    assertThat(Destinations.withKcid(destination, KCID, parameter))
        .isEqualTo(expected.replace("KCID", KCID));
  }

  @Test
  void theResultOfAValidDestinationIsStillValid() {
    String destination = "https://s.example/p/{kcid}?id=42#top";

    Destinations.validate(destination);

    assertThat(Destinations.validate(Destinations.withKcid(destination, KCID, "kcid")).getPath())
        .isEqualTo("/p/" + KCID);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "k=v", "a&b", "k~", "é"})
  void parameterNameIsValidated(String name) {
    assertThatThrownBy(() -> Destinations.withKcid("https://s.example/", KCID, name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[A-Za-z0-9_.-]{1,64}");
  }

  @Test
  void parameterNameLengthLimitIsInclusive() {
    String longest = "p".repeat(64);

    assertThat(Destinations.withKcid("https://s.example/", KCID, longest)).endsWith(longest + "=" + KCID);
    assertThatThrownBy(() -> Destinations.withKcid("https://s.example/", KCID, longest + "p"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aKcidThatIsNotUrlSafeIsRefused() {
    assertThatThrownBy(() -> Destinations.withKcid("https://s.example/", "a&b=c", "kcid"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
