package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DestinationFormTest {
  private static DestinationForm.Settings settings(String body) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
        "/admin/accounts/a/destinations/d/edit", Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    request.headers().set("Content-Type", "application/x-www-form-urlencoded");
    request.headers().set("Content-Length", request.content().readableBytes());
    try {
      return DestinationForm.settings(ActionForm.of(request));
    } finally {
      request.release();
    }
  }

  @Test
  void ticksWordsAndLimitsBecomeTheRequestsSettings() {
    DestinationForm.Settings s = settings("url=x&on_rejected=on&on_accepted=on&word_pending=&word_approved=+1+&word_rejected=2"
        + "&max_concurrency=3&max_requests_per_second=50");
    // The form's order, whatever the body's: accepted first.
    assertThat(s.triggers()).containsExactly(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, DeliveryTrigger.DELIVERY_TRIGGER_REJECTED);
    assertThat(s.statusMap()).containsExactly(Map.entry("approved", "1"), Map.entry("rejected", "2"));
    assertThat(s.maxConcurrency()).isEqualTo(3);
    assertThat(s.maxRequestsPerSecond()).isEqualTo(50);
  }

  @Test
  void anEmptyFormAsksForEveryEventKcidsWordsAndDefaultLimits() {
    DestinationForm.Settings s = settings("url=x");
    assertThat(s.triggers()).isEmpty();
    assertThat(s.statusMap()).isEmpty();
    assertThat(s.maxConcurrency()).isZero();
    assertThat(s.maxRequestsPerSecond()).isZero();
  }

  @Test
  void aLimitThatIsNoWholeNumberIsRefusedNamingTheField() {
    for (String bad : new String[] {"-1", "1.5", "ten", "9999999", "1e3"}) {
      assertThatThrownBy(() -> settings("max_requests_per_second=" + bad))
          .isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
          .hasMessageContaining("'Max requests per second' is a whole number");
    }
    assertThatThrownBy(() -> settings("max_concurrency=x")).hasMessageContaining("'Max requests in flight'");
  }

  @Test
  void describesWhatADestinationIsSentOnAndHow() {
    assertThat(DestinationForm.describe(Destination.getDefaultInstance()))
        .isEqualTo("on every event; default in flight; no rate limit");
    assertThat(DestinationForm.describe(Destination.newBuilder()
            .addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED).addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED)
            .putStatusMap("rejected", "2").putStatusMap("approved", "1").setMaxConcurrency(8).setMaxRequestsPerSecond(50).build()))
        .isEqualTo("on accepted, approved; approved → 1, rejected → 2; 8 in flight; 50/s");
  }

  @Test
  void theFieldsShowWhatIsStoredEscaped() {
    Html html = new Html();
    DestinationForm.fields(html, "destination-d", Destination.newBuilder().addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_PENDING)
        .putStatusMap("approved", "\"><script>").setMaxConcurrency(2).build());
    String page = html.toString();
    assertThat(page).contains("id=\"destination-d-on-pending\" name=\"on_pending\" value=\"on\" checked>")
        .contains("id=\"destination-d-on-approved\" name=\"on_approved\" value=\"on\">")
        .contains("value=\"&quot;&gt;&lt;script&gt;\"")
        .doesNotContain("<script>")
        .contains("name=\"max_concurrency\" value=\"2\"");
  }
}
