package io.kcid.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.proto.tracking.v1.ApiKeyRole;
import org.junit.jupiter.api.Test;

class ConfiguredApiKeysTest {
  private static final String SECRET = "abcdefghijklmnopqrstuvwxyz012345";

  @Test
  void parsesNamesRolesAndSecrets() {
    var keys = ConfiguredApiKeys.parse("root:admin:" + SECRET + ", edge:issue+ingest:" + SECRET.toUpperCase());
    assertThat(keys).hasSize(2);
    assertThat(keys.get(0).name()).isEqualTo("root");
    assertThat(keys.get(0).roles()).containsExactly(ApiKeyRole.API_KEY_ROLE_ADMIN);
    assertThat(keys.get(1).roles()).containsExactlyInAnyOrder(ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_INGEST);
    assertThat(keys.get(1).toString()).doesNotContain(SECRET.toUpperCase());
    assertThat(ConfiguredApiKeys.parse("")).isEmpty();
    assertThat(ConfiguredApiKeys.parse(null)).isEmpty();
  }

  @Test
  void refusesBadEntriesWithoutQuotingTheSecret() {
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("root:admin"))
        .hasMessageContaining("entry 1").hasMessageContaining("name:role+role:secret");
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("root:superuser:" + SECRET))
        .hasMessageContaining("unknown role 'superuser'").hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("root:admin:short"))
        .hasMessageContaining("24 to 256").hasMessageNotContaining("short");
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("Root:admin:" + SECRET)).hasMessageContaining("[a-z0-9_-]");
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("a:admin:" + SECRET + ",a:read:" + SECRET + "x"))
        .hasMessageContaining("entry 2").hasMessageContaining("twice");
    assertThatThrownBy(() -> ConfiguredApiKeys.parse("a:admin:" + SECRET + ",b:read:" + SECRET))
        .hasMessageContaining("used by another key").hasMessageNotContaining(SECRET);
  }
}
