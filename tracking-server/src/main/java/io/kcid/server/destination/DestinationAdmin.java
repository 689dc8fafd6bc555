package io.kcid.server.destination;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListDestinationsResponse;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Timestamps;
import io.kcid.server.delivery.ActiveDestination;
import io.kcid.server.delivery.AddressGuard;
import io.kcid.server.delivery.WebhookSignature;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.DestinationSecrets;
import io.kcid.server.store.DestinationStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Creating, reading, changing, deleting destinations and rotating webhook secrets, for an account
 * or a partner. Every field is checked here ({@link DestinationRules}); a webhook's secret leaves
 * the server only in the answers of create and rotate, never in a read, a list or a log line.
 */
public final class DestinationAdmin {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DestinationStore store;
  private final CachedDestinationDirectory directory;
  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final DestinationRules rules;
  private final Clock clock;

  public DestinationAdmin(
      DestinationStore store,
      CachedDestinationDirectory directory,
      AccountDirectory accounts,
      PartnerDirectory partners,
      AddressGuard guard,
      Clock clock) {
    this.store = store;
    this.directory = directory;
    this.accounts = accounts;
    this.partners = partners;
    this.rules = new DestinationRules(guard);
    this.clock = clock;
  }

  /** Creates a destination; a webhook's answer carries its signing secret, the only time it is shown. */
  public CompletionStage<CreateDestinationResponse> create(CreateDestinationRequest request) {
    DestinationOwner owner = owner(request.getAccountId(), request.getPartnerId());
    String id = request.getDestinationId().isEmpty()
        ? generatedId() : Identifiers.key("destination_id", request.getDestinationId());
    DestinationKind kind = DestinationRules.kind(request.getKind());
    String url = request.getUrl();
    String host = DestinationRules.host(kind, url);
    var triggers = DestinationRules.triggers(request.getTriggersList());
    var statusMap = DestinationRules.statusMap(request.getStatusMapMap());
    int concurrency = DestinationRules.concurrency(request.getMaxConcurrency());
    int rate = DestinationRules.requestsPerSecond(request.getMaxRequestsPerSecond());
    return rules.checkAddress(host)
        .thenCompose(checked -> existing(owner))
        .thenCompose(account -> {
          var now = Timestamps.of(clock.instant());
          Destination.Builder d = Destination.newBuilder()
              .setDestinationId(id)
              .setKind(kind)
              .setUrl(url)
              .addAllGoalKeys(DestinationRules.goals(request.getGoalKeysList(), owner, account))
              .addAllTriggers(triggers)
              .putAllStatusMap(statusMap)
              .setMaxConcurrency(concurrency)
              .setMaxRequestsPerSecond(rate)
              .setCreateTime(now)
              .setUpdateTime(now);
          if (owner.kind() == DestinationOwner.Kind.ACCOUNT) {
            d.setAccountId(owner.id());
          } else {
            d.setPartnerId(owner.id());
          }
          String secret = "";
          if (kind == DestinationKind.DESTINATION_KIND_WEBHOOK) {
            secret = WebhookSignature.newSecret();
            d.setSecretRotateTime(now);
          }
          Destination destination = d.build();
          String shown = secret;
          return store.create(destination, secret).thenApply(created -> {
            if (!created) {
              throw new KcidException(ErrorReason.ERROR_REASON_DESTINATION_ALREADY_EXISTS,
                  "A destination '" + id + "' of " + describe(owner) + " already exists.",
                  Map.of("destinationId", id, "owner", owner.label()));
            }
            directory.invalidate(owner);
            return CreateDestinationResponse.newBuilder().setDestination(destination).setSigningSecret(shown).build();
          });
        });
  }

  /** The destination as stored now, or DESTINATION_NOT_FOUND. */
  public CompletionStage<Destination> get(String accountId, String partnerId, String destinationId) {
    DestinationOwner owner = owner(accountId, partnerId);
    return stored(owner, Identifiers.key("destination_id", destinationId));
  }

  /** The destination with the secrets that sign now (current first), for a test send. */
  public CompletionStage<ActiveDestination> active(String accountId, String partnerId, String destinationId) {
    DestinationOwner owner = owner(accountId, partnerId);
    return stored(owner, Identifiers.key("destination_id", destinationId))
        .thenCombine(store.secrets(owner), (d, secrets) -> new ActiveDestination(d,
            secrets.getOrDefault(destinationId, DestinationSecrets.NONE).signingAt(clock.instant())));
  }

  /** An account's destinations (its own, then its partner's) or a partner's. */
  public CompletionStage<ListDestinationsResponse> list(String accountId, String partnerId) {
    DestinationOwner owner = owner(accountId, partnerId);
    if (owner.kind() == DestinationOwner.Kind.PARTNER) {
      return partners.get(owner.id()).thenCompose(p -> store.list(owner))
          .thenApply(list -> ListDestinationsResponse.newBuilder().addAllDestinations(list).build());
    }
    return accounts.fresh(owner.id())
        .thenCompose(account -> store.list(owner).thenCombine(
            store.list(DestinationOwner.partner(Partners.partnerOf(account.account()))),
            (own, inherited) -> ListDestinationsResponse.newBuilder()
                .addAllDestinations(own).addAllDestinations(inherited).build()));
  }

  /** Changes the fields the request names; resuming also closes an open circuit. */
  public CompletionStage<Destination> update(UpdateDestinationRequest request) {
    DestinationOwner owner = owner(request.getAccountId(), request.getPartnerId());
    String id = Identifiers.key("destination_id", request.getDestinationId());
    return existing(owner).thenCompose(account -> stored(owner, id).thenCompose(stored -> {
      CompletionStage<Void> address = request.hasUrl()
          ? rules.checkAddress(DestinationRules.host(stored.getKind(), request.getUrl()))
          : CompletableFuture.completedFuture(null);
      return address.thenCompose(checked -> {
        Destination updated = changed(stored, request, owner, account);
        return store.update(updated).thenApply(found -> {
          directory.invalidate(owner);
          if (!found) {
            throw notFound(owner, id);
          }
          return updated;
        });
      });
    }));
  }

  /** The stored destination with the request's changes, each checked. */
  private Destination changed(
      Destination stored, UpdateDestinationRequest request, DestinationOwner owner, AccountRecord account) {
    Destination.Builder d = stored.toBuilder();
    if (request.hasUrl()) {
      d.setUrl(request.getUrl());
    }
    if (request.getReplaceGoalKeys()) {
      d.clearGoalKeys().addAllGoalKeys(DestinationRules.goals(request.getGoalKeysList(), owner, account));
    }
    if (request.getReplaceTriggers()) {
      d.clearTriggers().addAllTriggers(DestinationRules.triggers(request.getTriggersList()));
    }
    if (request.getReplaceStatusMap()) {
      d.clearStatusMap().putAllStatusMap(DestinationRules.statusMap(request.getStatusMapMap()));
    }
    if (request.hasMaxConcurrency()) {
      d.setMaxConcurrency(DestinationRules.concurrency(request.getMaxConcurrency()));
    }
    if (request.hasMaxRequestsPerSecond()) {
      d.setMaxRequestsPerSecond(DestinationRules.requestsPerSecond(request.getMaxRequestsPerSecond()));
    }
    if (request.hasPaused()) {
      d.setPaused(request.getPaused());
      if (!request.getPaused()) {
        d.setCircuitOpen(false).setCircuitReason("");
      }
    }
    return d.setUpdateTime(Timestamps.of(clock.instant())).build();
  }

  /** Deletes a destination; its waiting jobs are cancelled when the workers reach them. */
  public CompletionStage<Void> delete(String accountId, String partnerId, String destinationId) {
    DestinationOwner owner = owner(accountId, partnerId);
    String id = Identifiers.key("destination_id", destinationId);
    return store.delete(owner, id).thenAccept(found -> {
      directory.invalidate(owner);
      if (!found) {
        throw notFound(owner, id);
      }
    });
  }

  /** A new signing secret; the previous one keeps signing beside it for the grace period. */
  public CompletionStage<RotateDestinationSecretResponse> rotateSecret(RotateDestinationSecretRequest request) {
    DestinationOwner owner = owner(request.getAccountId(), request.getPartnerId());
    String id = Identifiers.key("destination_id", request.getDestinationId());
    Duration grace = DestinationRules.grace(request.getGracePeriod(), request.hasGracePeriod());
    return stored(owner, id).thenCompose(stored -> {
      if (stored.getKind() != DestinationKind.DESTINATION_KIND_WEBHOOK) {
        throw Identifiers.invalid("destination_id", "destination '" + id + "' is a postback: only webhooks have a signing secret");
      }
      Instant now = clock.instant();
      Instant previousExpiry = grace.isZero() ? null : now.plus(grace);
      String secret = WebhookSignature.newSecret();
      Destination updated = stored.toBuilder().setSecretRotateTime(Timestamps.of(now)).setUpdateTime(Timestamps.of(now)).build();
      return store.rotateSecret(updated, secret, previousExpiry).thenApply(found -> {
        directory.invalidate(owner);
        if (!found) {
          throw notFound(owner, id);
        }
        var response = RotateDestinationSecretResponse.newBuilder().setSigningSecret(secret);
        if (previousExpiry != null) {
          response.setPreviousSecretExpireTime(Timestamps.of(previousExpiry));
        }
        return response.build();
      });
    });
  }

  /** Exactly one of account_id / partner_id, well formed. */
  static DestinationOwner owner(String accountId, String partnerId) {
    if (accountId.isEmpty() == partnerId.isEmpty()) {
      throw new KcidException(accountId.isEmpty() ? ErrorReason.ERROR_REASON_MISSING_PARAMETER : ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "exactly one of account_id and partner_id names the destination's owner", Map.of("field", "account_id"));
    }
    return accountId.isEmpty()
        ? DestinationOwner.partner(Identifiers.key("partner_id", partnerId))
        : DestinationOwner.account(Identifiers.key("account_id", accountId));
  }

  /** The owner checked to exist: an account's record (for its goals), or null for a partner. */
  private CompletionStage<AccountRecord> existing(DestinationOwner owner) {
    return owner.kind() == DestinationOwner.Kind.ACCOUNT
        ? accounts.fresh(owner.id())
        : partners.get(owner.id()).thenApply(p -> (AccountRecord) null);
  }

  private CompletionStage<Destination> stored(DestinationOwner owner, String id) {
    return store.load(owner, id).thenApply(found -> found.orElseThrow(() -> notFound(owner, id)));
  }

  static KcidException notFound(DestinationOwner owner, String id) {
    return new KcidException(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND,
        "No destination '" + id + "' of " + describe(owner) + ". List them with `kcid destination list`.",
        Map.of("destinationId", id, "owner", owner.label()));
  }

  private static String describe(DestinationOwner owner) {
    return (owner.kind() == DestinationOwner.Kind.ACCOUNT ? "account '" : "partner '") + owner.id() + "'";
  }

  private static String generatedId() {
    byte[] random = new byte[6];
    RANDOM.nextBytes(random);
    return "dst_" + HexFormat.of().formatHex(random);
  }
}
