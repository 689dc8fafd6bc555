package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ConversionStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusMapTextTest {
  @Test
  void linesBecomeTheMapAndBack() {
    Map<String, ConversionStatus> map = StatusMapText.parse(" Sale = approved\r\n\n1=pending\nchargeback =REJECTED \n");
    assertThat(map).containsExactly(Map.entry("sale", ConversionStatus.CONVERSION_STATUS_APPROVED),
        Map.entry("1", ConversionStatus.CONVERSION_STATUS_PENDING), Map.entry("chargeback", ConversionStatus.CONVERSION_STATUS_REJECTED));
    assertThat(StatusMapText.format(map)).isEqualTo("sale = approved\n1 = pending\nchargeback = rejected\n");
    assertThat(StatusMapText.parse(StatusMapText.format(map))).isEqualTo(map);
    assertThat(StatusMapText.parse("  \n")).isEmpty();
  }

  @Test
  void aBadLineIsRefusedNamingItsNumber() {
    assertThatThrownBy(() -> StatusMapText.parse("sale=approved\nlead=maybe")).isInstanceOf(Rejection.class)
        .hasMessageContaining("line 2 'lead=maybe'");
    assertThatThrownBy(() -> StatusMapText.parse("=approved")).hasMessageContaining("line 1");
    assertThatThrownBy(() -> StatusMapText.parse("sale")).hasMessageContaining("line 1 'sale'");
    assertThatThrownBy(() -> StatusMapText.parse("sale=approved\nSALE=rejected")).hasMessageContaining("mapped twice");
  }
}
