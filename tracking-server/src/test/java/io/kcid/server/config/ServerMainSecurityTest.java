package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.server.ServerMain;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys.ConfiguredKey;
import io.kcid.server.common.IpPrivacy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The security settings of {@code kcid server} and {@code kcid up}, as flags (the env defaults are the same options). */
class ServerMainSecurityTest {
  private static final String MAC = "1:" + "A".repeat(43);
  private static final String SECRET = "s3cret-0123456789abcdefghijkl";

  private static ServerMain parse(String... args) {
    ServerMain main = new ServerMain();
    List<String> all = new java.util.ArrayList<>(List.of("--redis-url", "redis://localhost:6379", "--mac-keys", MAC));
    all.addAll(List.of(args));
    new CommandLine(main).parseArgs(all.toArray(String[]::new));
    return main;
  }

  @Test
  void aServerRequiresKeysByDefaultAndBindsEverywhere() {
    ServerConfig config = parse("--api-keys", "root:admin:" + SECRET).config();
    assertThat(config.security().auth()).isEqualTo(AuthMode.REQUIRED);
    assertThat(config.listen().bindHost()).isEqualTo("0.0.0.0");
    assertThat(config.security().apiKeys()).extracting(ConfiguredKey::name).containsExactly("root");
    assertThat(config.security().ipPrivacy().mode()).isEqualTo(IpPrivacy.Mode.TRUNCATE);
    assertThat(config.security().tls()).isFalse();
  }

  @Test
  void upIsOpenOnLoopbackWithItsLocalKeysUnlessToldOtherwise() {
    ConfiguredKey edge = new ConfiguredKey("local-edge", EnumSet.of(ApiKeyRole.API_KEY_ROLE_ISSUE), SECRET);
    ServerConfig up = parse().withLocalSecurity(List.of(edge)).config();
    assertThat(up.security().auth()).isEqualTo(AuthMode.OPEN);
    assertThat(up.listen().bindHost()).isEqualTo("127.0.0.1");
    assertThat(up.security().apiKeys()).containsExactly(edge);

    ServerConfig strict = parse("--auth", "required", "--bind", "0.0.0.0").withLocalSecurity(List.of(edge)).config();
    assertThat(strict.security().auth()).isEqualTo(AuthMode.REQUIRED);
    assertThat(strict.listen().bindHost()).isEqualTo("0.0.0.0");
    // A configured key of the same name wins over the local one.
    ServerConfig named = parse("--api-keys", "local-edge:read:" + SECRET + "x").withLocalSecurity(List.of(edge)).config();
    assertThat(named.security().apiKeys()).singleElement()
        .satisfies(k -> assertThat(k.roles()).containsExactly(ApiKeyRole.API_KEY_ROLE_READ));
  }

  @Test
  void badSecuritySettingsStopTheStartWithAMessage(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> parse("--auth", "sometimes").config()).hasMessageContaining("KCID_AUTH=sometimes");
    assertThatThrownBy(() -> parse("--api-keys", "root:admin:short").config()).hasMessageContaining("KCID_API_KEYS");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
    assertThatThrownBy(() -> parse("--tls-cert", cert.toString()).config()).hasMessageContaining("go together");
    assertThatThrownBy(() -> parse("--tls-cert", cert.toString(), "--tls-key", dir.resolve("missing.pem").toString()).config())
        .hasMessageContaining("KCID_TLS_KEY").hasMessageContaining("not a readable file");
    assertThatThrownBy(() -> parse("--ip-privacy", "hash").config()).hasMessageContaining("KCID_IP_HASH_KEY");
    assertThatThrownBy(() -> parse("--max-concurrent-calls", "0").config()).hasMessageContaining("KCID_MAX_CONCURRENT_CALLS");
    assertThatThrownBy(() -> parse("--api-key-cache-ms", "10").config()).hasMessageContaining("KCID_API_KEY_CACHE_MS");
  }
}
