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
