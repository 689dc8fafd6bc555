package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CapFormTest {
  private static ConversionCap cap(String body) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/admin/accounts/a/caps",
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    request.headers().set("Content-Type", "application/x-www-form-urlencoded");
    request.headers().set("Content-Length", request.content().readableBytes());
    try {
      return CapForm.cap(ActionForm.of(request));
    } finally {
      request.release();
    }
  }

  @Test
  void aCountCapWithoutCurrency() {
    ConversionCap cap = cap("cap_id=daily-buys&goal_key=purchase&campaign_id=&period=daily&max=100&currency=&action=pending");
    assertThat(cap.getCapId()).isEqualTo("daily-buys");
    assertThat(cap.getGoalKey()).isEqualTo("purchase");
    assertThat(cap.getCampaignId()).isEmpty();
    assertThat(cap.getPeriod()).isEqualTo(CapPeriod.CAP_PERIOD_DAILY);
    assertThat(cap.getMaxConversions()).isEqualTo(100);
    assertThat(cap.hasMaxValue()).isFalse();
    assertThat(cap.getAction()).isEqualTo(CapAction.CAP_ACTION_PENDING);
    assertThat(CapForm.describe(cap)).isEqualTo("goal purchase, daily, at most 100 conversions, then pending");
  }

  @Test
  void aValueCapWhenACurrencyIsGiven() {
    ConversionCap cap = cap("cap_id=spend&campaign_id=spring&period=monthly&max=2500.50&currency=eur");
    assertThat(cap.getMaxValue().getAmount()).isEqualTo("2500.50");
    assertThat(cap.getMaxValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(cap.getMaxConversions()).isZero();
    assertThat(cap.getAction()).isEqualTo(CapAction.CAP_ACTION_REJECT);
    assertThat(CapForm.describe(cap)).isEqualTo("any goal on campaign spring, monthly, at most 2500.50 EUR, then rejected");
  }

  @Test
  void wordsAndCountsThatAreNoneAreRefusedByName() {
    assertThatThrownBy(() -> cap("cap_id=x&goal_key=g&period=weekly&max=1")).isInstanceOf(Rejection.class)
        .hasMessageContaining("'weekly'");
    assertThatThrownBy(() -> cap("cap_id=x&goal_key=g&period=daily&max=1&action=drop")).isInstanceOf(Rejection.class)
        .hasMessageContaining("'drop'");
    assertThatThrownBy(() -> cap("cap_id=x&goal_key=g&period=daily&max=ten")).isInstanceOf(Rejection.class)
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> cap("goal_key=g&period=daily&max=1")).isInstanceOf(Rejection.class)
        .hasMessageContaining("'cap_id' is required");
  }
}
