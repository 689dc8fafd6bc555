package io.kcid.server.conversion;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.click.ClickOwnership;
import io.kcid.server.fraud.FraudSettings;
import io.kcid.server.fraud.VelocityRule;
import io.kcid.server.fx.ReportingValues;
import io.kcid.server.delivery.Outbox;
import io.kcid.server.postback.LegacyMode;
import io.kcid.server.postback.PostbackAuthenticator;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.postback.RecordListener;
import io.kcid.server.postback.SignatureReplays;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.TransactionClaims;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches a postback to its click and records it exactly once: authenticates the sender, reads,
 * lets {@link ConversionRules} decide and writes what they planned. Everything that can be decided
 * without Redis (kcid MAC, credentials of a cached account, goal rules, window, minimum time) is
 * decided first; the remaining checks and the write are one atomic script in the click's
 * partition. Who sent it is decided before what it says: a goal rule that refuses a postback on
 * another account's click is answered {@code CLICK_ACCOUNT_MISMATCH} ({@link ClickOwnership}).
 * Goals that count a transaction once per account first claim it under the account's hash tag
 * (see {@link TransactionClaims}).
 */
public final class ConversionRecorder {
  private static final Logger log = LoggerFactory.getLogger(ConversionRecorder.class);
  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final TransactionClaims claims;
  private final PostbackAuthenticator authenticator;
  private final Clock clock;
  private final RecordListener listener;
  private final SignatureReplays signatures;
  private final VelocityRule velocity;
  private final Outbox outbox;
  private final ReportingValues reportingValues;
  private final CapGate caps;

  /**
   * @param listener told about every postback's outcome (the postback log)
   * @param signatures makes each postback signature single-use (see {@link SignatureReplays})
   * @param velocity the per-account velocity rule (see {@link VelocityRule})
   * @param outbox whether a recorded event also goes to the delivery outbox (in the same atomic
   *     write), and who is woken when it did
   * @param caps the account's conversion caps around the record step (see {@link CapGate})
   * @param reportingValues converts a new conversion's value to its account's reporting currency
   *     at the rate of its day, stored with it (see {@link ReportingValues})
   */
  public ConversionRecorder(
      KcidCodec codec,
      ConversionStore conversions,
      TransactionClaims claims,
      PostbackAuthenticator authenticator,
      Clock clock,
      RecordListener listener,
      SignatureReplays signatures,
      VelocityRule velocity,
      Outbox outbox,
      CapGate caps,
      ReportingValues reportingValues) {
    this.caps = caps;
    this.reportingValues = reportingValues;
    this.velocity = velocity;
    this.outbox = outbox;
    this.signatures = signatures;
    this.codec = codec;
    this.conversions = conversions;
    this.claims = claims;
    this.authenticator = authenticator;
    this.clock = clock;
    this.listener = listener;
  }

  public CompletionStage<RecordConversionResponse> record(RecordConversionRequest request) {
    return record(request, RecordContext.postback(clock.instant()));
  }

  /**
   * Records (or, for a dry run, evaluates) a postback. Except for dry runs, the listener hears of
   * the outcome before the returned stage completes, so what it writes is issued before the
   * caller answers; it cannot change the answer.
   */
  public CompletionStage<RecordConversionResponse> record(
      RecordConversionRequest request, RecordContext context) {
    CompletionStage<RecordConversionResponse> stage;
    try {
      stage = attempt(request, context);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    if (context.dryRun()) {
      return stage;
    }
    return stage.whenComplete((response, failure) -> listener.completed(request, context, response, failure));
  }

  private CompletionStage<RecordConversionResponse> attempt(
      RecordConversionRequest request, RecordContext context) {
    DecodedKcid kcid = codec.decode(request.getKcid());
    context.verified(kcid);
    String requestId = ConversionRules.checkedRequestId(request);
    return authenticator
        .authenticate(request, kcid, context)
        .thenCompose(
            account ->
                withLegacyFlag(account, () -> ClickOwnership.first(
                    authenticator.owners(), kcid, account.account().getAccountId(),
                    () -> signatures.once(account, request, context,
                        () -> recordFor(account, kcid, requestId, request, context))))
                    .thenApply(response -> withResponseFormat(account, response)));
  }

  /** The account's success body for HTTP postbacks travels with the answer: the edge knows no account. */
  private static RecordConversionResponse withResponseFormat(
      AccountRecord account, RecordConversionResponse response) {
    PostbackResponseFormat format = account.account().getPostbackResponseFormat();
    return format == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED
        ? response
        : response.toBuilder().setPostbackResponseFormat(format).build();
  }

  /**
   * Rejections of an account in "legacy 200" mode carry a flag so the edge answers 200 (with the
   * reason in the body) to senders that retry anything else.
   */
  private static <T> CompletionStage<T> withLegacyFlag(
      AccountRecord account, Supplier<CompletionStage<T>> work) {
    CompletionStage<T> stage;
    try {
      stage = work.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    if (!account.account().getLegacyHttp200()) {
      return stage;
    }
    return stage.exceptionally(
        failure -> {
          Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (t instanceof KcidException k) {
            throw LegacyMode.mark(account, k);
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  /** The rules decide; the store writes (or, for a dry run, is only read). */
  private CompletionStage<RecordConversionResponse> recordFor(
      AccountRecord account, DecodedKcid kcid, String requestId, RecordConversionRequest request,
      RecordContext context) {
    RecordPlan planned = ConversionRules.plan(account, kcid, request, requestId, clock.instant());
    if (context.dryRun()) {
      // Caps are read, not reserved: the dry run shows CAP_REACHED where the caps' use today says so.
      if (!CapGate.mayHold(account.account())) {
        return evaluate(planned, context);
      }
      return caps.peek(account.account(), planned).thenCompose(ticket -> evaluate(CapGate.capped(planned, ticket), context));
    }
    return velocity
        .exceeded(account.account(), kcid, planned.goal().getGoalKey(), request.getTransactionId(), planned.now())
        .thenCompose(over -> converted(account, over
            ? planned.suspected(FraudSettings.statusOf(account.account().getVelocityAction()),
                ErrorReason.ERROR_REASON_VELOCITY_EXCEEDED)
            : planned, context));
  }

  /** The value in the account's reporting currency joins the plan; no stage without one. */
  private CompletionStage<RecordConversionResponse> converted(
      AccountRecord account, RecordPlan plan, RecordContext context) {
    if (!ReportingValues.converts(account.account())) {
      return gated(account, plan, context);
    }
    return reportingValues
        .atRecord(account.account(), plan.command().value(), plan.command().eventTime())
        .thenCompose(fx -> gated(account, plan.withFx(fx), context));
  }

  /** The account's caps around the write; no stage without caps. */
  private CompletionStage<RecordConversionResponse> gated(
      AccountRecord account, RecordPlan plan, RecordContext context) {
    if (!CapGate.mayHold(account.account())) {
      return write(plan, context, CapGate.Ticket.NONE);
    }
    return caps.reserve(account.account(), plan)
        .thenCompose(ticket -> write(CapGate.capped(plan, ticket), context, ticket));
  }

  private CompletionStage<RecordConversionResponse> write(
      RecordPlan planned, RecordContext context, CapGate.Ticket ticket) {
    // Completes at once when the directory's cache is warm: no wait on the hot path.
    return outbox.wanted(planned.command().requiredAccountId()).thenCompose(toOutbox -> {
      RecordPlan plan = planned.withOutbox(toOutbox);
      if (plan.claimsAccountWide()) {
        return recordAccountUnique(plan, context, ticket);
      }
      return caps.finished(ticket, conversions.record(plan.command(), ticket.mark()))
          .thenApply(result -> ConversionRules.response(noteRepeat(wakeDelivery(result, plan), context), plan));
    });
  }

  /**
   * Wakes the local delivery workers when the write appended an outbox entry, handing them a new
   * conversion's event (the click the write read with it) so that they need not read it back; a
   * status change makes them forget the event handed over when the conversion was recorded.
   */
  private RecordResult wakeDelivery(RecordResult result, RecordPlan plan) {
    RecordCommand command = plan.command();
    if (result.repeated()) {
      return result;
    }
    int partition = command.kcid().partition();
    switch (result.code()) {
      case ACCEPTED -> {
        if (command.outbox()) {
          handOff(partition, command, result);
        }
      }
      case STATUS_CHANGED -> outbox.changed(partition, result.conversionId(), command.outbox());
      default -> { }
    }
    return result;
  }

  /**
   * Hands a new conversion's event to the local delivery workers; only wakes them when there is
   * none to hand over. The write is acknowledged already: nothing here may fail the postback.
   */
  private void handOff(int partition, RecordCommand command, RecordResult result) {
    if (result.recordedClick() != null) {
      try {
        outbox.recorded(partition, command.recordedConversion(result), result.recordedClick());
        return;
      } catch (RuntimeException e) {
        log.warn("Could not hand conversion {} to the delivery workers (they read it instead): {}",
            result.conversionId(), e.toString());
      }
    }
    outbox.written(partition);
  }

  /**
   * A dry run: the same decisions, from reads only. An account-wide transaction claim is looked
   * at, not taken.
   */
  private CompletionStage<RecordConversionResponse> evaluate(RecordPlan plan, RecordContext context) {
    RecordCommand command = plan.command();
    CompletionStage<Optional<TransactionClaims.Holder>> holder =
        plan.claimsAccountWide()
            ? claims.peek(command.requiredAccountId(), command.goalKey(), command.transactionId())
            : CompletableFuture.completedFuture(Optional.empty());
    return holder.thenCompose(
        claim -> {
          if (claim.isPresent() && !claim.get().kcid().equals(command.kcid().kcid())) {
            return ClickOwnership.owned(authenticator.owners(), command.kcid(), command.requiredAccountId())
                .thenApply(owned -> ConversionRules.otherClickHolds(claim.get()));
          }
          return conversions
              .evaluate(command)
              .thenApply(result -> ConversionRules.response(noteRepeat(result, context), plan));
        });
  }

  private static RecordResult noteRepeat(RecordResult result, RecordContext context) {
    if (result.repeated()) {
      context.markRepeated();
    }
    return result;
  }

  /**
   * Claim the transaction account-wide (it lives in another hash slot than the click), then record
   * in the click's partition. A retry of the same postback finds its own claim and is deduplicated
   * by the partition's per-click transaction key; a definite refusal releases the claim.
   */
  private CompletionStage<RecordConversionResponse> recordAccountUnique(
      RecordPlan plan, RecordContext context, CapGate.Ticket ticket) {
    RecordCommand command = plan.command();
    String account = command.requiredAccountId();
    String kcid = command.kcid().kcid();
    return claims
        .claim(account, command.goalKey(), command.transactionId(), kcid, plan.claimTtl())
        .thenCompose(
            holder -> {
              if (!holder.kcid().equals(kcid)) {
                return caps.release(ticket)
                    .thenCompose(x -> ClickOwnership.owned(authenticator.owners(), command.kcid(), account))
                    .thenApply(owned -> ConversionRules.otherClickHolds(holder));
              }
              return caps.finished(ticket, conversions.record(command, ticket.mark()))
                  .thenCompose(
                      result -> {
                        CompletionStage<Void> bookkeeping =
                            ConversionRules.keepsClaim(result.code())
                                ? claims.settle(account, command.goalKey(), command.transactionId(), kcid, result.conversionId())
                                : claims.release(account, command.goalKey(), command.transactionId(), kcid);
                        return bookkeeping.thenApply(
                            x -> ConversionRules.response(noteRepeat(wakeDelivery(result, plan), context), plan));
                      });
            });
  }
}
