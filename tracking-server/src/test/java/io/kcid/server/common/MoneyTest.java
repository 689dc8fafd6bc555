package io.kcid.server.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import org.junit.jupiter.api.Test;

class MoneyTest {
  private static ErrorReason reason(String amount, String currency) {
    try {
      Money.normalize(amount, currency);
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    } catch (KcidException e) {
      return e.reason();
    }
  }

  @Test
  void noCurrencyCodeXXXIsRefused() {
    assertThat(reason("1", "XXX")).isEqualTo(ErrorReason.ERROR_REASON_INVALID_CURRENCY);
    assertThat(reason("1", "xts")).isEqualTo(ErrorReason.ERROR_REASON_INVALID_CURRENCY);
    assertThatThrownBy(() -> Money.normalize("1", "XXX")).hasMessageContaining("no currency");
    assertThatThrownBy(() -> Money.normalize("1", "XTS")).hasMessageContaining("testing");
  }

  @Test
  void jpyWithDecimalsIsRefused() {
    assertThat(reason("1.5", "JPY")).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE);
    assertThat(reason("1.234", "USD")).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE);
    assertThat(reason("1.0001", "BHD")).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE);
    assertThatThrownBy(() -> Money.normalize("1.5", "JPY")).hasMessageContaining("amounts in JPY have no decimals");
    assertThatThrownBy(() -> Money.normalize("1.234", "usd")).hasMessageContaining("amounts in USD have at most 2 (e.g. 12.50)");
    assertThat(Money.normalize("1500.000", "JPY").getAmount()).isEqualTo("1500.000");
    assertThat(Money.normalize("1.234", "BHD").getAmount()).isEqualTo("1.234");
    assertThat(Money.normalize("0.000001", "XAU").getCurrencyCode()).isEqualTo("XAU");
    assertThat(Money.minorUnits("XDR")).isEqualTo(6);
  }

  @Test
  void lowerCaseCurrencyIsNormalised() {
    assertThat(Money.normalize("12.5", "usd").getCurrencyCode()).isEqualTo("USD");
    assertThat(Money.normalize("12.5", "Eur").getCurrencyCode()).isEqualTo("EUR");
  }
}
