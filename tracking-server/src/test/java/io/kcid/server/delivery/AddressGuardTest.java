package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressGuardTest {
  private final AddressGuard strict = new AddressGuard(List.of());

  @Test
  void internalAddressesAreForbidden() {
    for (String ip : new String[] {
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "fc00::1"}) {
      assertThat(strict.permits(InetAddresses.forString(ip))).as(ip).isFalse();
    }
  }

  @Test
  void publicAddressesArePermitted() {
    for (String ip : new String[] {"93.184.216.34", "8.8.8.8", "100.128.0.1", "2606:4700::1111"}) {
      assertThat(strict.permits(InetAddresses.forString(ip))).as(ip).isTrue();
    }
  }

  @Test
  void theOperatorAllowlistPermitsNamedInternalNetworksOnly() {
    AddressGuard guard = new AddressGuard(List.of("127.0.0.1/32", "10.0.0.0/8"));
    assertThat(guard.permits(InetAddresses.forString("127.0.0.1"))).isTrue();
    assertThat(guard.permits(InetAddresses.forString("10.9.9.9"))).isTrue();
    assertThat(guard.permits(InetAddresses.forString("127.0.0.2"))).isFalse();
    assertThat(guard.permits(InetAddresses.forString("169.254.169.254"))).isFalse();
  }

  @Test
  void checkResolvesTheHostAndNamesTheForbiddenAddress() {
    assertThatThrownBy(() -> strict.check("localhost"))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_ADDRESS_FORBIDDEN);
          assertThat(e.metadata()).containsEntry("host", "localhost").containsKey("address");
        });
    assertThat(new AddressGuard(List.of("127.0.0.0/8", "::1/128")).check("localhost")).isNotEmpty();
  }

  @Test
  void anUnresolvableHostIsAnInvalidParameter() {
    assertThatThrownBy(() -> strict.check("no-such-host.invalid"))
        .isInstanceOfSatisfying(KcidException.class,
            e -> assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }
}
