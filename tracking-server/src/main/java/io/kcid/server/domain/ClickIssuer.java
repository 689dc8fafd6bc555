package io.kcid.server.domain;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.click.Destinations;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
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

  private final KcidCodec codec;
  private final ClickStore clicks;
  private final AccountDirectory accounts;
  private final Clock clock;
  private final IdempotentWrites idempotent;

  public ClickIssuer(
      KcidCodec codec, ClickStore clicks, AccountDirectory accounts, IdempotentWrites idempotent, Clock clock) {
    this.codec = codec;
    this.clicks = clicks;
    this.accounts = accounts;
    this.idempotent = idempotent;
    this.clock = clock;
  }

  /** Mints and stores a click; with a request_id, a retry returns the same click. */
  public CompletionStage<IssueClickResponse> issue(IssueClickRequest request) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
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
    return accounts
        .get(accountId)
        .thenCompose(
            account -> {
              if (!request.getClickSignature().isEmpty()) {
                verifySignature(account, params, request.getClickSignature(), clock.instant());
              }
              Instant now = clock.instant();
              Duration retention = Retention.clickRetention(account.account());
              Click click =
                  Click.newBuilder()
                      .setAccountId(accountId)
                      .setCampaignId(request.getCampaignId())
                      .setCreativeId(request.getCreativeId())
                      .setPlacementId(request.getPlacementId())
                      .putAllSubIds(request.getSubIdsMap())
                      .setDestinationUrl(request.getDestinationUrl())
                      .setClickTime(timestamp(Instant.ofEpochSecond(now.getEpochSecond())))
                      .setExpireTime(timestamp(now.plus(retention)))
                      .build();
              return insert(account, click, now, retention, 1);
            });
  }

  private CompletionStage<IssueClickResponse> insert(
      AccountRecord account, Click click, Instant now, Duration retention, int attempt) {
    String kcid = codec.mintRandomPartition(now);
    DecodedKcid decoded = codec.decode(kcid);
    Click stored = click.toBuilder().setKcid(kcid).setPartition(decoded.partition()).build();
    return clicks
        .insert(decoded, account.account().getAccountId(), stored, retention)
        .thenCompose(
            inserted -> {
              if (inserted) {
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

  private static void verifySignature(
      AccountRecord account, Map<String, String> params, String signature, Instant now) {
    String canonical = ClickUrlSigner.canonicalQuery(params);
    boolean valid = false;
    // The current secret, or the previous one within its rotation grace period.
    for (String secret : account.secrets().clickSecretsAt(now)) {
      valid |= ClickUrlSigner.verify(secret, canonical, signature);
    }
    if (!valid) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID,
          "The click URL's sig does not match its parameters: the URL was changed after signing,"
              + " or signed with another account's click secret.");
    }
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
