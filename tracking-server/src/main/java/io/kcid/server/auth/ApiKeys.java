package io.kcid.server.auth;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Secrets;
import io.kcid.server.store.ApiKeyStore.StoredApiKey;
import io.kcid.server.store.ApiKeyStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The API keys this server accepts: the configured ones plus a snapshot of the stored ones,
 * reloaded every few seconds (and at once after a change made here). Checking a key is a lookup in
 * memory, so neither valid calls nor a flood of unknown keys costs a Redis round trip; a key
 * revoked through another server stops working here within the reload interval.
 */
public final class ApiKeys {
  /** Who is calling: the key's name, its roles and the scope they apply in. */
  public record Caller(String name, Set<ApiKeyRole> roles, KeyScope scope) {
    public Caller {
      roles = Set.copyOf(roles);
    }

    /** The caller as the API lists a key (no secret, no hint). */
    public ApiKey asApiKey() {
      return ApiKey.newBuilder().setName(name).addAllRoles(roles.stream().sorted().toList())
          .setPartnerId(scope.partnerId()).setAccountId(scope.accountId()).build();
    }
  }

  /** Calls without a key in {@link AuthMode#OPEN}. */
  public static final Caller ANONYMOUS = new Caller("(open)", ApiKeyRoles.assignable(), KeyScope.PLATFORM);

  private record Known(byte[] digest, Caller caller) {}

  private final ApiKeyStore store;
  private final Tenants tenants;
  private final Map<String, Known> configured = new HashMap<>();
  private final Clock clock;
  private volatile Map<String, Known> byDigest;

  /** Configured keys are platform keys: they come from the operator of the deployment. */
  public ApiKeys(ApiKeyStore store, Tenants tenants, List<ConfiguredApiKeys.ConfiguredKey> configuredKeys, Clock clock) {
    this.store = store;
    this.tenants = tenants;
    this.clock = clock;
    for (ConfiguredApiKeys.ConfiguredKey key : configuredKeys) {
      String digest = Secrets.sha256Hex(key.secret());
      configured.put(digest, new Known(hexBytes(digest), new Caller(key.name(), key.roles(), KeyScope.PLATFORM)));
    }
    this.byDigest = Map.copyOf(configured);
  }

  /**
   * The caller a presented key belongs to. The map is keyed by the key's SHA-256, so a lookup
   * reveals nothing about the key itself; the digests are then compared in constant time.
   */
  public Optional<Caller> authenticate(String presentedKey) {
    String digest = Secrets.sha256Hex(presentedKey);
    Known known = byDigest.get(digest);
    if (known == null || !MessageDigest.isEqual(known.digest(), hexBytes(digest))) {
      return Optional.empty();
    }
    return Optional.of(known.caller());
  }

  /** Reloads the stored keys; on failure the previous snapshot stays in force. */
  public CompletionStage<Void> reload() {
    return store
        .list()
        .thenAccept(
            stored -> {
              Map<String, Known> next = new HashMap<>(configured);
              for (StoredApiKey key : stored) {
                next.putIfAbsent(
                    key.digest(),
                    new Known(hexBytes(key.digest()), new Caller(key.key().getName(), EnumSet.copyOf(rolesOf(key.key())), KeyScope.of(key.key()))));
              }
              byDigest = Map.copyOf(next);
            });
  }

  /** Creates a key; the secret is in the answer and nowhere else. */
  public CompletionStage<CreateApiKeyResponse> create(CreateApiKeyRequest request) {
    String name = Identifiers.key("name", request.getName());
    Set<ApiKeyRole> roles = EnumSet.noneOf(ApiKeyRole.class);
    for (ApiKeyRole role : request.getRolesList()) {
      if (!ApiKeyRoles.assignable().contains(role)) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER, "roles: each must be issue, ingest, read or admin", Map.of("field", "roles"));
      }
      roles.add(role);
    }
    if (roles.isEmpty()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER, "roles: give at least one of issue, ingest, read, admin", Map.of("field", "roles"));
    }
    if (configured.values().stream().anyMatch(k -> k.caller().name().equals(name))) {
      throw exists(name);
    }
    return scopeOf(request)
        .thenCompose(
            scope -> {
              String secret = Secrets.newSecret("kak_");
              Instant now = clock.instant();
              ApiKey key =
                  ApiKey.newBuilder()
                      .setName(name)
                      .addAllRoles(roles)
                      .setCreateTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                      .setHint(Secrets.hint(secret))
                      .setPartnerId(scope.partnerId())
                      .setAccountId(scope.accountId())
                      .build();
              return store
                  .create(new StoredApiKey(Secrets.sha256Hex(secret), key))
                  .thenCompose(
                      created -> {
                        if (!created) {
                          throw exists(name);
                        }
                        return reload();
                      })
                  .thenApply(done -> CreateApiKeyResponse.newBuilder().setApiKey(key).setSecret(secret).build());
            });
  }

  /**
   * The scope a new key asks for, checked against the store: an account key takes its account's
   * partner (a partner_id given with it must be that one); a partner key needs the partner to exist.
   */
  private CompletionStage<KeyScope> scopeOf(CreateApiKeyRequest request) {
    String partnerId = request.getPartnerId();
    String accountId = request.getAccountId();
    if (!accountId.isEmpty()) {
      return tenants
          .partnerOf(accountId)
          .thenApply(
              owner -> {
                String partner = owner.orElseThrow(
                    () -> new KcidException(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND, "No account '" + accountId + "'.",
                        Map.of("accountId", accountId)));
                if (!partnerId.isEmpty() && !partnerId.equals(partner)) {
                  throw new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
                      "partner_id: account '" + accountId + "' belongs to partner '" + partner + "', not '" + partnerId
                          + "'; give the account alone.", Map.of("field", "partner_id"));
                }
                return KeyScope.account(partner, accountId);
              });
    }
    if (!partnerId.isEmpty()) {
      return tenants
          .partnerExists(partnerId)
          .thenApply(
              exists -> {
                if (!exists) {
                  throw new KcidException(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND, "No partner '" + partnerId + "'.",
                      Map.of("partnerId", partnerId));
                }
                return KeyScope.partner(partnerId);
              });
    }
    return java.util.concurrent.CompletableFuture.completedFuture(KeyScope.PLATFORM);
  }

  /** Stored keys, by name (configured keys are not listed: they are part of the configuration). */
  public CompletionStage<List<ApiKey>> list() {
    return store.list().thenApply(keys -> keys.stream().map(StoredApiKey::key).toList());
  }

  /** Revokes a stored key; this server stops accepting it at once, others within their reload interval. */
  public CompletionStage<Void> revoke(String name) {
    Identifiers.key("name", name);
    return store
        .revoke(name)
        .thenCompose(
            revoked -> {
              if (!revoked) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_API_KEY_NOT_FOUND,
                    "No stored API key named '" + name + "' (keys from KCID_API_KEYS are revoked by removing them there).",
                    Map.of("name", name));
              }
              return reload();
            });
  }

  private static List<ApiKeyRole> rolesOf(ApiKey key) {
    return key.getRolesList().isEmpty() ? List.of(ApiKeyRole.API_KEY_ROLE_UNSPECIFIED) : key.getRolesList();
  }

  private static KcidException exists(String name) {
    return new KcidException(
        ErrorReason.ERROR_REASON_API_KEY_ALREADY_EXISTS,
        "An API key named '" + name + "' already exists; revoke it first or choose another name.",
        Map.of("name", name));
  }

  private static byte[] hexBytes(String hex) {
    return hex.getBytes(StandardCharsets.US_ASCII);
  }
}
