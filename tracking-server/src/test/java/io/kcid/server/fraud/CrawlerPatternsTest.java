package io.kcid.server.fraud;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The embedded crawler list: every source example is caught, everyday browsers are not. */
class CrawlerPatternsTest {
  private static final CrawlerPatterns EMBEDDED = CrawlerPatterns.embedded();

  @Test
  void everyExampleOfTheSourceListIsRecognised() throws IOException {
    List<String> examples;
    try (InputStream in = CrawlerPatternsTest.class.getResourceAsStream("/fraud/crawler-instances.txt")) {
      examples = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
    }
    assertThat(EMBEDDED.size()).isGreaterThan(1000);
    assertThat(examples).hasSizeGreaterThan(1000);
    assertThat(examples.stream().filter(ua -> !EMBEDDED.matches(ua)).toList()).isEmpty();
  }

  @Test
  void matchingIgnoresCase() {
    assertThat(EMBEDDED.matches("mozilla/5.0 (compatible; GOOGLEBOT/2.1)")).isTrue();
    assertThat(EMBEDDED.matches("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")).isTrue();
  }

  @Test
  void everydayBrowsersAreNotBots() {
    assertThat(List.of(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5"
                + " Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71"
                + " Mobile Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0"
                + " Safari/537.36 Edg/126.0.2592.68",
            "", "-"))
        .allSatisfy(ua -> assertThat(EMBEDDED.matches(ua)).as(ua).isFalse());
    assertThat(EMBEDDED.matches(null)).isFalse();
  }

  @Test
  void theIndexLiteralIsOneEveryMatchContains() {
    assertThat(CrawlerPatterns.requiredLiteral("Googlebot\\/")).isEqualTo("Googlebot/");
    assertThat(CrawlerPatterns.requiredLiteral("^Mozilla\\/5\\.0 \\(compatible; SemrushBot")).isEqualTo("Mozilla/5.0 (compatible; SemrushBot");
    assertThat(CrawlerPatterns.requiredLiteral("[wW]get")).isEqualTo("get");
    assertThat(CrawlerPatterns.requiredLiteral("bots?-crawler")).isEqualTo("-crawler");
    assertThat(CrawlerPatterns.requiredLiteral("a|b")).isEmpty();
    assertThat(CrawlerPatterns.alternatives("Chirp|gotosocial")).containsExactly("Chirp", "gotosocial");
    assertThat(CrawlerPatterns.alternatives("Yandex(Bot|Images)|a\\|b")).containsExactly("Yandex(Bot|Images)", "a\\|b");
    assertThat(CrawlerPatterns.requiredLiteral("Yandex(Bot|Images)")).isEqualTo("Yandex");
    // A pattern without a literal of three characters is tried on every user agent instead.
    CrawlerPatterns short1 = CrawlerPatterns.of(List.of("^a[0-9]+$", "Googlebot\\/"));
    assertThat(short1.matches("a42")).isTrue();
    assertThat(short1.matches("x Googlebot/2.1")).isTrue();
    assertThat(short1.matches("Googlebot 2.1")).isFalse();
    assertThat(Pattern.compile("^a[0-9]+$").matcher("a42").find()).isTrue();
  }
}
