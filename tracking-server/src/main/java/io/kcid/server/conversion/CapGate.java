package io.kcid.server.conversion;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.cap.CapRules;
import io.kcid.server.store.CapCounters;
import io.kcid.server.store.CapMark;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Conversion caps around the record step. The caps' counters live in the account's hash slot and
 * the record in the click's, so one script cannot do both on a Cluster: the gate reserves the
 * conversion's place first (checking every cap and counting it in one atomic step), the record
 * keeps the reservation's token on the new conversion, and the gate then settles the reservation
 * (this reservation's conversion was recorded) or releases it (refused, or another conversion was
 * found). A reservation is keyed by the conversion's identity, the same one the record step
 * deduplicates on, so retries share one reservation; see {@code cap_fence.lua} for why any order
 * of settles and releases leaves the counters exact. An unknown record outcome keeps the place
 * (a cap may then stop one conversion early, never let one too many through).
 */
public final class CapGate {
  private final ClickStore clicks;
  private final CapCounters counters;
  private final ConversionStore conversions;

  public CapGate(ClickStore clicks, CapCounters counters, ConversionStore conversions) {
    this.clicks = clicks;
    this.counters = counters;
    this.conversions = conversions;
  }

  /** What the gate decided for one conversion; {@link #NONE} when no cap holds it. */
  public record Ticket(DecodedKcid kcid, String accountId, String identity, String token, ConversionCap over) {
    public static final Ticket NONE = new Ticket(null, "", "", "", null);

    /** What the record step keeps of this decision. */
    public CapMark mark() {
      return token.isEmpty() && over == null ? CapMark.NONE : new CapMark(token, over != null);
    }
  }

  /** Whether the account has any cap at all: without one the gate need not be asked. */
  public static boolean mayHold(Account account) {
    return account.getConversionCapsCount() > 0;
  }

  /** Checks the plan's conversion against the account's caps and takes its place when within them. */
  public CompletionStage<Ticket> reserve(Account account, RecordPlan plan) {
    RecordCommand c = plan.command();
    return holding(account, plan).thenCompose(caps -> {
      if (caps.isEmpty()) {
        return CompletableFuture.completedFuture(Ticket.NONE);
      }
      String identity = identity(c);
      return counters
          .reserve(account.getAccountId(), identity,
              CapRules.charges(caps, c.value(), CapRules.zone(account), plan.now()), plan.claimTtl())
          .thenApply(d -> new Ticket(c.kcid(), account.getAccountId(), identity, d.token(),
              d.over() ? caps.stream().filter(cap -> cap.getCapId().equals(d.overCapId())).findFirst()
                  .orElse(caps.get(0)) : null));
    });
  }

  /**
   * A dry run's view of the caps: the plan's conversion checked against each cap's current use,
   * as {@link #reserve} checks it, with nothing counted or reserved (the ticket has no token).
   * Each conversion is checked on its own: a dry run of several does not add them up.
   */
  public CompletionStage<Ticket> peek(Account account, RecordPlan plan) {
    RecordCommand c = plan.command();
    return holding(account, plan).thenCompose(caps -> {
      if (caps.isEmpty()) {
        return CompletableFuture.completedFuture(Ticket.NONE);
      }
      List<CapCounters.Charge> charges = CapRules.charges(caps, c.value(), CapRules.zone(account), plan.now());
      Map<String, String> periods = new HashMap<>();
      charges.forEach(charge -> periods.put(charge.capId(), charge.period()));
      return counters.used(account.getAccountId(), periods).thenApply(used -> {
        for (int i = 0; i < charges.size(); i++) {
          CapCounters.Charge charge = charges.get(i);
          if (used.getOrDefault(charge.capId(), 0L) + charge.increment() > charge.limit()) {
            return new Ticket(c.kcid(), account.getAccountId(), "", "", caps.get(i));
          }
        }
        return Ticket.NONE;
      });
    });
  }

  /** The caps holding the plan's conversion (none for a test, a rejection or a click not found). */
  private CompletionStage<List<ConversionCap>> holding(Account account, RecordPlan plan) {
    RecordCommand c = plan.command();
    // No cap in force for the goal: needsCampaign is false (no click read) and holding is empty.
    if (c.test() || c.newStatus() == ConversionStatus.CONVERSION_STATUS_REJECTED) {
      return CompletableFuture.completedFuture(List.of());
    }
    CompletionStage<String> campaign = CapRules.needsCampaign(account, c.goalKey(), plan.now())
        ? clicks.find(c.kcid()).thenApply(found -> found.map(s -> s.click().getCampaignId()).orElse(null))
        : CompletableFuture.completedFuture("");
    // No click: the record step answers it.
    return campaign.thenApply(campaignId -> campaignId == null
        ? List.of() : CapRules.holding(account, c.goalKey(), campaignId, plan.now()));
  }

  /** The plan for a conversion over a cap: recorded in the cap's status with reason CAP_REACHED. */
  public static RecordPlan capped(RecordPlan plan, Ticket ticket) {
    return ticket.over() == null ? plan
        : plan.suspected(CapRules.statusOver(ticket.over()), ErrorReason.ERROR_REASON_CAP_REACHED);
  }

  /** Settles or releases the ticket's reservation after the record step answered {@code result}. */
  public CompletionStage<RecordResult> finish(Ticket ticket, RecordResult result) {
    if (ticket.token().isEmpty()) {
      return CompletableFuture.completedFuture(result);
    }
    boolean newConversion = result.code() == RecordResult.Code.ACCEPTED && !result.repeated();
    CompletionStage<Boolean> ours;
    if (newConversion) {
      // A conversion a fraud rule recorded rejected takes no place under a cap.
      ours = CompletableFuture.completedFuture(result.flagged() == null
          || result.flagged().status() != ConversionStatus.CONVERSION_STATUS_REJECTED);
    } else if (isFound(result.code()) && !result.conversionId().isEmpty()) {
      // A retry finding the conversion: it counts under this reservation only if it was recorded with its token.
      ours = conversions.capToken(ticket.kcid(), ConversionStore.sequenceOf(result.conversionId()))
          .thenApply(t -> t.isPresent() && t.get().equals(ticket.token()));
    } else {
      ours = CompletableFuture.completedFuture(false);
    }
    return ours.thenCompose(keep -> (keep
            ? counters.settle(ticket.accountId(), ticket.identity(), ticket.token())
            : counters.release(ticket.accountId(), ticket.identity(), ticket.token()))
        .thenApply(x -> result));
  }

  /** The record step's {@code result}, once {@link #finish finished}; itself without a reservation. */
  public CompletionStage<RecordResult> finished(Ticket ticket, CompletionStage<RecordResult> result) {
    return ticket.token().isEmpty() ? result : result.thenCompose(r -> finish(ticket, r));
  }

  /** Gives the place back when the record step was never reached (another click holds the transaction). */
  public CompletionStage<Void> release(Ticket ticket) {
    return ticket.token().isEmpty()
        ? CompletableFuture.completedFuture(null)
        : counters.release(ticket.accountId(), ticket.identity(), ticket.token());
  }

  private static boolean isFound(RecordResult.Code code) {
    return code == RecordResult.Code.ACCEPTED
        || code == RecordResult.Code.DUPLICATE_GOAL
        || code == RecordResult.Code.DUPLICATE_TRANSACTION;
  }

  /**
   * The conversion's identity: what the record step deduplicates on (the goal once per click, the
   * transaction, else the request id). Every postback of a goal counting every postback is new.
   */
  static String identity(RecordCommand c) {
    String kcid = c.kcid().kcid();
    CountingMode mode = c.countingMode();
    if (mode == CountingMode.COUNTING_MODE_ONCE_PER_CLICK) {
      return kcid + "\u001fg\u001f" + c.goalKey();
    }
    if (mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK
        || mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT) {
      return kcid + "\u001ft\u001f" + c.goalKey() + "\u001f" + c.transactionId();
    }
    if (!c.requestId().isEmpty()) {
      return kcid + "\u001fr\u001f" + c.requestId();
    }
    return kcid + "\u001fn\u001f" + UUID.randomUUID();
  }
}
