package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostbackTemplateTest {
  @Test
  void rendersQueryMacrosAsFormValuesSoAValueCannotAddAParameter() {
    PostbackTemplate t = PostbackTemplate.parse("https://tracker.example/pb?cid={s1}&payout={value}&txid={txid}");
    URI uri = t.render(Map.of("s1", "a&b=c d", "value", "12.50", "txid", "ü/?#"));
    assertThat(uri.getRawQuery()).isEqualTo("cid=a%26b%3Dc+d&payout=12.50&txid=%C3%BC%2F%3F%23");
    assertThat(uri.getHost()).isEqualTo("tracker.example");
  }

  @Test
  void rendersPathMacrosAsOneSegment() {
    URI uri = PostbackTemplate.parse("https://t.example/pb/{goal}/x").render(Map.of("goal", "a b/../c"));
    assertThat(uri.getRawPath()).isEqualTo("/pb/a%20b%2F..%2Fc/x");
  }

  @Test
  void aTargetIsTheRenderedUrlsOriginAndRequestTargetWithoutParsingIt() {
    Map<String, String> values = Map.of("s1", "a&b=c d/?#", "goal", "x/../y", "value", "12.50", "kcid", "ü");
    for (String url : java.util.List.of(
        "https://tracker.example/pb?cid={s1}&payout={value}",
        "http://127.0.0.1:8080/pb/{goal}/x?k={kcid}#frag-{s1}",
        "http://t.example/{kcid}",
        "https://[::1]:8443/a/b?c=d/{s1}&e",
        "http://t.example?a=1/{s1}",
        "http://t.example/pb?",
        "http://t.example",
        "http://t.example?x=1#y",
        "https://t.example:443/fixed/path?q=1")) {
      PostbackTemplate t = PostbackTemplate.parse(url);
      URI rendered = t.render(values);
      RequestTarget target = t.target(name -> values.getOrDefault(name, ""));
      RequestTarget parsed = RequestTarget.of(rendered);
      assertThat(target.path()).as(url).isEqualTo(parsed.path());
      assertThat(target.origin().getScheme()).as(url).isEqualTo(rendered.getScheme());
      assertThat(target.origin().getHost()).as(url).isEqualTo(rendered.getHost());
      assertThat(target.origin().getPort()).as(url).isEqualTo(rendered.getPort());
    }
  }

  @Test
  void missingValuesRenderEmpty() {
    URI uri = PostbackTemplate.parse("https://t.example/pb?c={campaign}&s={s10}").render(Map.of());
    assertThat(uri.getRawQuery()).isEqualTo("c=&s=");
  }

  @Test
  void unknownMacroIsRefusedNamingIt() {
    assertThatThrownBy(() -> PostbackTemplate.parse("https://t.example/pb?x={payout}"))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
          assertThat(e.metadata()).containsEntry("macro", "payout");
          assertThat(e.getMessage()).contains("{payout}");
        });
  }

  @Test
  void macroInHostSchemeOrUnbalancedBracesIsRefused() {
    for (String url : new String[] {
        "https://{account}.example/pb", "{kcid}://x", "https://t.example/pb?x={kcid", "https://t.example/}",
        "ftp://t.example/pb", "https:///pb", "https://user:pw@t.example/pb", ""}) {
      assertThatThrownBy(() -> PostbackTemplate.parse(url)).as(url).isInstanceOf(KcidException.class);
    }
  }

  @Test
  void everyDocumentedMacroParses() {
    StringBuilder url = new StringBuilder("https://t.example/pb?");
    PostbackTemplate.MACROS.forEach(m -> url.append(m).append("={").append(m).append("}&"));
    assertThat(PostbackTemplate.parse(url.toString()).source()).isEqualTo(url.toString());
    assertThat(PostbackTemplate.MACROS).contains("s1", "s10", "delivery_id", "kcid").doesNotContain("s11");
  }
}
