package io.kcid.server.conversion;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Money;
import io.kcid.server.common.Retention;
import io.kcid.server.delivery.Outbox;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.StatusUpdate;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Approves, rejects and adjusts recorded conversions through the API: by conversion id, or by the
 * click's kcid and the transaction id. The transition is checked and applied atomically with its
 * audit entry. A status change is a postback too: refused with PARTNER_INACTIVE while the account's
 * partner has S2S tracking off.
 */
public final class StatusUpdater {
  private static final int MAX_REASON = 512;

  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final Clock clock;
  private final Outbox outbox;

  public StatusUpdater(
      KcidCodec codec, ConversionStore conversions, AccountDirectory accounts, PartnerDirectory partners, Clock clock) {
    this(codec, conversions, accounts, partners, clock, Outbox.NONE);
  }

  /** @param outbox whether a status change also goes to the delivery outbox, in the same atomic write */
  public StatusUpdater(KcidCodec codec, ConversionStore conversions, AccountDirectory accounts,
      PartnerDirectory partners, Clock clock, Outbox outbox) {
    this.outbox = outbox;
    this.codec = codec;
    this.conversions = conversions;
    this.accounts = accounts;
    this.partners = partners;
    this.clock = clock;
  }

  public CompletionStage<Conversion> update(UpdateConversionStatusRequest request) {
    Identifiers.required("reason", request.getReason());
    if (request.getReason().length() > MAX_REASON) {
      throw Identifiers.invalid("reason", "reason is longer than " + MAX_REASON + " characters");
    }
    Identifiers.requestId(request.getRequestId());
    ConversionStatus target = request.getStatus();
    if (target != ConversionStatus.CONVERSION_STATUS_APPROVED
        && target != ConversionStatus.CONVERSION_STATUS_REJECTED
        && target != ConversionStatus.CONVERSION_STATUS_PENDING) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_STATUS,
          "status must be approved, rejected or pending.",
          Map.of("field", "status"));
    }
    return locate(request)
        .thenCompose(
            located ->
                conversions
                    .find(located.kcid, located.sequence)
                    .thenCompose(
                        current -> {
                          Conversion conversion = current.orElseThrow(() -> notFound(located.id()));
                          return accounts
                              .get(conversion.getAccountId())
                              .thenCompose(partners::requireActive)
                              .thenCompose(
                                  account -> {
                                    Goal goal = account.goal(conversion.getGoalKey()).orElse(Goal.getDefaultInstance());
                                    return apply(request, located, conversion, goal,
                                        account.account().getCurrencyCode());
                                  });
                        }));
  }

  private CompletionStage<Conversion> apply(
      UpdateConversionStatusRequest request, Located located, Conversion conversion, Goal goal,
      String accountCurrency) {
    io.kcid.proto.tracking.v1.Money value = io.kcid.proto.tracking.v1.Money.getDefaultInstance();
    if (request.hasValue() && !request.getValue().getAmount().isEmpty()) {
      // The value's own currency, else the conversion's, else the account's, else USD.
      String currency = request.getValue().getCurrencyCode().isEmpty()
          ? conversion.getValue().getCurrencyCode()
          : request.getValue().getCurrencyCode();
      if (currency.isEmpty()) {
        currency = accountCurrency.isEmpty() ? "USD" : accountCurrency;
      }
      value = Money.normalize(request.getValue().getAmount(), currency, goal.getAllowNegativeValue());
    }
    Instant now = clock.instant();
    StatusUpdate update =
        new StatusUpdate(
            located.kcid, located.sequence, request.getStatus(),
            StatusTransitions.sourcesOf(request.getStatus()), request.getReason(), value, now,
            request.getRequestId(),
            IdempotentWrites.fingerprint(request,
                UpdateConversionStatusRequest.getDescriptor().findFieldByName("request_id")),
            Retention.MIN_REQUEST_ID_TTL,
            conversion.getAccountId(),
            conversion.getGoalKey());
    return outbox.wanted(conversion.getAccountId())
        .thenCompose(toOutbox -> conversions.updateStatus(update.withOutbox(toOutbox))
            .thenApply(result -> {
              if (result == StatusUpdate.Result.UPDATED) {
                outbox.changed(update.kcid().partition(), conversion.getConversionId(), toOutbox);
              }
              return result;
            }))
        .thenCompose(
            result ->
                switch (result) {
                  case UPDATED -> conversions
                      .find(located.kcid, located.sequence)
                      .thenApply(c -> c.orElseThrow(() -> notFound(located.id())));
                  case NOT_FOUND -> throw notFound(located.id());
                  case INVALID_TRANSITION -> throw new KcidException(
                      ErrorReason.ERROR_REASON_INVALID_STATUS_TRANSITION,
                      "Conversion " + located.id() + " is " + ConversionRules.statusName(conversion.getStatus())
                          + " and cannot move to " + ConversionRules.statusName(request.getStatus()) + ": "
                          + StatusTransitions.describe() + ".",
                      Map.of("conversionId", located.id()));
                  case REQUEST_ID_REUSED -> throw new KcidException(
                      ErrorReason.ERROR_REASON_REQUEST_ID_REUSED,
                      "request_id was already used for a different status change.");
                });
  }

  private record Located(DecodedKcid kcid, long sequence) {
    String id() {
      return kcid.kcid() + "-" + sequence;
    }
  }

  private CompletionStage<Located> locate(UpdateConversionStatusRequest request) {
    if (!request.getConversionId().isEmpty()) {
      ConversionId id = ConversionId.parse(codec, request.getConversionId());
      return java.util.concurrent.CompletableFuture.completedFuture(new Located(id.kcid(), id.sequence()));
    }
    if (request.getKcid().isEmpty() || request.getTransactionId().isEmpty()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "Name the conversion by conversion_id, or by kcid and transaction_id.",
          Map.of("field", "conversion_id"));
    }
    DecodedKcid kcid = codec.decode(request.getKcid());
    return conversions
        .findByTransaction(kcid, request.getTransactionId())
        .thenApply(
            seq -> new Located(kcid, seq.orElseThrow(() -> new KcidException(
                ErrorReason.ERROR_REASON_CONVERSION_NOT_FOUND,
                "No conversion with transaction id '" + request.getTransactionId() + "' on this click.",
                Map.of("transactionId", request.getTransactionId())))));
  }

  static KcidException notFound(String id) {
    return new KcidException(
        ErrorReason.ERROR_REASON_CONVERSION_NOT_FOUND,
        "No conversion '" + id + "'.",
        Map.of("conversionId", id));
  }
}
