package io.kcid.server.click;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.click.Destinations;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Timestamps;
import io.kcid.server.fraud.ClickClassifier;
import io.kcid.server.fraud.NetworkDigest;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.ClickStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/** Mints kcids and stores their clicks. */
public final class ClickIssuer {
  private static final Pattern SUB_ID_KEY = Pattern.compile("s([1-9]|10)");
  /** 64 random bits make a collision astronomically rare; a few re-mints bound the worst case. */
  private static final int MAX_MINT_ATTEMPTS = 3;
  /** How far an edge's clock may run ahead of the server's for a pre-minted kcid. */
  private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  private final KcidCodec codec;
  private final ClickStore clicks;
  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final Clock clock;
  private final IdempotentWrites idempotent;
  private final ClickListener listener;
  private final ClickClassifier classifier;

  /**
   * @param partners refuses clicks of accounts whose partner has S2S tracking off
   * @param listener told about every click stored (the server's metrics)
   */
  public ClickIssuer(
      KcidCodec codec, ClickStore clicks, AccountDirectory accounts, PartnerDirectory partners,
      IdempotentWrites idempotent, Clock clock, ClickListener listener) {
    this(codec, clicks, accounts, partners, idempotent, clock, listener, ClickClassifier.NONE);
  }

  /** @param classifier flags bots and data-centre clicks (they are stored flagged and still redirect) */
  public ClickIssuer(
      KcidCodec codec, ClickStore clicks, AccountDirectory accounts, PartnerDirectory partners,
      IdempotentWrites idempotent, Clock clock, ClickListener listener, ClickClassifier classifier) {
    this.classifier = classifier;
    this.codec = codec;
    this.clicks = clicks;
    this.accounts = accounts;
    this.partners = partners;
    this.idempotent = idempotent;
    this.clock = clock;
    this.listener = listener;
  }

  /** Mints and stores a click; with a request_id, a retry returns the same click. */
  public CompletionStage<IssueClickResponse> issue(IssueClickRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    if (request.getRequestId().isEmpty()) {
      // Nothing to replay: skip the request's fingerprint (a reflective copy, a serialization and a
      // hash), which would cost more than minting the click.
      return mint(accountId, request);
    }
    return idempotent.run(
        accountId,
        request.getRequestId(),
        IdempotentWrites.fingerprint(request, IssueClickRequest.getDescriptor().findFieldByName("request_id")),
        IssueClickResponse.parser(),
        () -> mint(accountId, request));
  }

  private CompletionStage<IssueClickResponse> mint(String accountId, IssueClickRequest request) {
    Identifiers.required("campaign_id", request.getCampaignId());
    Map<String, String> params = signedParameters(request);
    if (!request.getDestinationUrl().isEmpty()) {
      Destinations.validate(request.getDestinationUrl());
    }
    DecodedKcid preMinted = request.getKcid().isEmpty() ? null : preMinted(request);
    return account(accountId, request)
        .thenCompose(
            account -> {
              Instant now = clock.instant();
              // A pre-minted click happened at its kcid's issue time: its URL was signed with a
              // secret valid then, even if that secret has been rotated out since.
              Instant clickTime = preMinted == null ? now : preMinted.issueTime();
              if (!request.getClickSignature().isEmpty()) {
                verifySignature(account, params, request.getClickSignature(), clickTime);
              }
              // Asked after the signature check, so a forged URL learns nothing about the partner.
              return partners
                  .requireActive(account)
                  .thenCompose(active -> classifier.classify(request.getUserAgent(), request.getClientIp())
                      .thenCompose(flag -> store(active, accountId, request, preMinted, clickTime, now, flag)));
            });
  }

  /** Builds and stores the click of an account allowed to mint it. */
  private CompletionStage<IssueClickResponse> store(
      AccountRecord account, String accountId, IssueClickRequest request, DecodedKcid preMinted,
      Instant clickTime, Instant now, ClickFlag flag) {
    Duration retention = Retention.clickRetention(account.account());
    Instant expiry = clickTime.plus(retention);
    Click click =
        Click.newBuilder()
            .setAccountId(accountId)
            .setCampaignId(request.getCampaignId())
            .setCreativeId(request.getCreativeId())
            .setPlacementId(request.getPlacementId())
            .putAllSubIds(request.getSubIdsMap())
            .setDestinationUrl(request.getDestinationUrl())
            .setClickTime(timestamp(Instant.ofEpochSecond(clickTime.getEpochSecond())))
            .setExpireTime(timestamp(expiry))
            .setFlag(flag)
            // Only while the velocity rule is on: 5 bytes a click otherwise saved.
            .setSourceNetwork(account.account().getVelocityLimit() > 0 ? NetworkDigest.of(request.getClientIp()) : 0)
            .build();
    if (preMinted == null) {
      return insert(account, click, now, retention, 1);
    }
    if (!expiry.isAfter(now)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_CLICK_EXPIRED,
          "The pre-minted click is older than the account's click retention; it is not stored.");
    }
    return insertPreMinted(account, click, preMinted, Duration.between(now, expiry));
  }

  /**
   * The kcid an edge minted for a click it already redirected. It must verify against the key
   * ring, must not lie in the future, and needs the signed click URL it was minted for: a MAC key
   * alone never creates a click.
   */
  private DecodedKcid preMinted(IssueClickRequest request) {
    DecodedKcid kcid = codec.decode(request.getKcid());
    if (request.getClickSignature().isEmpty()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_CLICK_SIGNATURE_MISSING,
          "A pre-minted kcid is accepted only with the click URL's signature (click_signature).");
    }
    if (kcid.issueTime().isAfter(clock.instant().plus(MAX_CLOCK_SKEW))) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "The pre-minted kcid's issue time lies in the future; check the edge's clock.",
          Map.of("field", "kcid"));
    }
    return kcid;
  }

  private CompletionStage<IssueClickResponse> insertPreMinted(
      AccountRecord account, Click click, DecodedKcid kcid, Duration ttl) {
    Click stored = click.toBuilder().setKcid(kcid.kcid()).setPartition(kcid.partition()).build();
    return clicks
        .insertPreMinted(kcid, account.account().getAccountId(), stored, ttl)
        .thenApply(
            outcome -> {
              if (outcome == ClickStore.PreMintedInsert.CONFLICT) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_KCID_ALREADY_USED,
                    "Another click is already stored under this pre-minted kcid; nothing was stored.");
              }
              if (outcome == ClickStore.PreMintedInsert.INSERTED) {
                listener.stored(ClickListener.Kind.PRE_MINTED);
              }
              return response(account, stored);
            });
  }

  private CompletionStage<IssueClickResponse> insert(
      AccountRecord account, Click click, Instant now, Duration retention, int attempt) {
    // The partition only spreads load: the store may pick the one whose write is cheapest now.
    DecodedKcid decoded = codec.mintDecoded(now, clicks.partitionForNewClick(codec.partitions()));
    Click stored = click.toBuilder().setKcid(decoded.kcid()).setPartition(decoded.partition()).build();
    return clicks
        .insert(decoded, account.account().getAccountId(), stored, retention)
        .thenCompose(
            inserted -> {
              if (inserted) {
                listener.stored(ClickListener.Kind.MINTED);
                return CompletableFuture.completedFuture(response(account, stored));
              }
              if (attempt >= MAX_MINT_ATTEMPTS) {
                throw new IllegalStateException("kcid collided " + attempt + " times in a row");
              }
              return insert(account, click, now, retention, attempt + 1);
            });
  }

  private static IssueClickResponse response(AccountRecord account, Click click) {
    IssueClickResponse.Builder response = IssueClickResponse.newBuilder().setClick(click);
    if (!click.getDestinationUrl().isEmpty()) {
      String parameter = account.account().getKcidParameter();
      response.setRedirectUrl(
          Destinations.withKcid(
              click.getDestinationUrl(), click.getKcid(), parameter.isEmpty() ? "kcid" : parameter));
    }
    return response.build();
  }

  /** The click URL parameters the signature covers, validated. */
  private static Map<String, String> signedParameters(IssueClickRequest request) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", request.getAccountId());
    params.put("c", Identifiers.freeText("campaign_id", request.getCampaignId()));
    params.put("cr", Identifiers.freeText("creative_id", request.getCreativeId()));
    params.put("p", Identifiers.freeText("placement_id", request.getPlacementId()));
    request
        .getSubIdsMap()
        .forEach(
            (key, value) -> {
              if (!SUB_ID_KEY.matcher(key).matches()) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_INVALID_PARAMETER,
                    "sub id key '" + key + "' is not one of s1 … s10",
                    Map.of("field", "sub_ids"));
              }
              params.put(key, Identifiers.freeText(key, value));
            });
    params.put("u", request.getDestinationUrl());
    return params;
  }

  /**
   * The account. A signed click URL (from the internet, through the edge) naming no account is
   * answered as a bad signature: a stranger cannot tell an unknown account from a known one.
   * Trusted callers issuing unsigned clicks still hear ACCOUNT_NOT_FOUND.
   */
  private CompletionStage<AccountRecord> account(String accountId, IssueClickRequest request) {
    CompletionStage<AccountRecord> account = accounts.get(accountId);
    if (request.getClickSignature().isEmpty()) {
      return account;
    }
    return account.handle(
        (found, failure) -> {
          if (failure == null) {
            return found;
          }
          Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          if (cause instanceof KcidException k && k.reason() == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND) {
            throw signatureInvalid();
          }
          throw failure instanceof java.util.concurrent.CompletionException c
              ? c : new java.util.concurrent.CompletionException(failure);
        });
  }

  private static KcidException signatureInvalid() {
    return new KcidException(
        ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID,
        "The click URL's sig does not match its parameters: the URL was changed after signing,"
            + " or signed with another account's click secret.");
  }

  private static void verifySignature(
      AccountRecord account, Map<String, String> params, String signature, Instant now) {
    String canonical = ClickUrlSigner.canonicalQuery(params);
    boolean valid = false;
    // The current secret, or the previous one within its rotation grace period.
    for (String secret : account.secrets().clickSecretsAt(now)) {
      valid |= ClickUrlSigner.verify(secret, canonical, signature);
    }
    if (!valid) {
      throw signatureInvalid();
    }
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamps.of(t);
  }
}
