package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.cli.InProcessCli.Run;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ./kcid api-key create|list|revoke} against a tracking-server that requires keys. */
class ApiKeyCommandIT {
  private static final String ROOT = "root-key-0123456789abcdefghijkl";

  private static LocalRedis redis;
  private static TrackingServer server;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(16).macKeys(KcidKeyRing.generate(1)).redisTimeout(Duration.ofMillis(500))
        .redisQueueSize(1000).accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5));
    server = TrackingServer.start(base.security(new ServerSecurity(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("root:admin:" + ROOT), Duration.ofSeconds(5), null, null, null, 100, 100,
        io.kcid.server.common.IpPrivacy.truncate())).build());
  }

  @AfterAll
  static void stop() {
    server.close();
    redis.close();
  }

  private static Run kcid(String key, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--grpc-addr", "127.0.0.1:" + server.port()));
    if (key != null) {
      all.addAll(List.of("--api-key", key));
    }
    return InProcessCli.run(all);
  }

  @Test
  void createListUseAndRevokeAKey() {
    Run created = kcid(ROOT, "api-key", "create", "--name", "adserver", "--roles", "issue,read");
    assertThat(created.exit()).as(created.err()).isZero();
    String secret = created.out().lines().filter(l -> l.startsWith("key:")).findFirst().orElseThrow().replaceAll("^key:\\s+", "").trim();
    assertThat(secret).startsWith("kak_");
    assertThat(created.out()).contains("issue,read").contains("shown once");

    Run listed = kcid(ROOT, "api-key", "list");
    assertThat(listed.out()).contains("adserver  issue,read  platform  …" + secret.substring(secret.length() - 4)).doesNotContain(secret);
    // The new key reads, but it is not an admin key.
    Run denied = kcid(secret, "api-key", "list");
    assertThat(denied.exit()).isEqualTo(1);
    assertThat(denied.err()).contains("API_KEY_ROLE_MISSING").contains("'admin'");

    assertThat(kcid(ROOT, "api-key", "revoke", "adserver").out()).contains("revoked adserver");
    Run unknown = kcid(secret, "inspect", "0000");
    assertThat(unknown.err()).contains("API_KEY_INVALID");
    Run again = kcid(ROOT, "api-key", "revoke", "adserver");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("API_KEY_NOT_FOUND");
  }

  @Test
  void aPartnerKeySeesItsPartnerAndNothingElse() {
    assertThat(kcid(ROOT, "partner", "create", "--name", "Agency One", "--id", "agency-one").exit()).isZero();
    assertThat(kcid(ROOT, "partner", "create", "--name", "Agency Two", "--id", "agency-two").exit()).isZero();
    Run created = kcid(ROOT, "api-key", "create", "--name", "agency-one-admin", "--roles", "admin,read", "--partner", "agency-one");
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).contains("partner agency-one");
    String secret = created.out().lines().filter(l -> l.startsWith("key:")).findFirst().orElseThrow().replaceAll("^key:\\s+", "").trim();

    Run whoami = kcid(secret, "api-key", "whoami");
    assertThat(whoami.out()).contains("agency-one-admin").contains("partner agency-one").doesNotContain(secret);
    Run own = kcid(secret, "account", "create", "--partner", "agency-one", "--name", "Shop One", "--id", "shop-one");
    assertThat(own.exit()).as(own.err()).isZero();
    Run foreign = kcid(secret, "account", "create", "--partner", "agency-two", "--name", "Not mine");
    assertThat(foreign.exit()).isEqualTo(1);
    assertThat(foreign.err()).contains("API_KEY_SCOPE_DENIED").contains("partner:agency-one");
    Run keys = kcid(secret, "api-key", "list");
    assertThat(keys.err()).contains("API_KEY_SCOPE_DENIED");
    Run both = kcid(ROOT, "api-key", "create", "--name", "x", "--roles", "read", "--partner", "agency-one", "--account", "shop-one");
    assertThat(both.exit()).isNotZero();
    assertThat(both.err()).contains("not both");
  }

  @Test
  void badRolesAndMissingKeysSayWhatToDo() {
    Run badRole = kcid(ROOT, "api-key", "create", "--name", "x", "--roles", "superuser");
    assertThat(badRole.exit()).isEqualTo(2);
    assertThat(badRole.err()).contains("unknown role 'superuser'");
    Run keyless = kcid("", "api-key", "list");
    assertThat(keyless.exit()).isEqualTo(1);
    assertThat(keyless.err()).contains("API_KEY_INVALID").contains("authorization: Bearer");
  }
}
