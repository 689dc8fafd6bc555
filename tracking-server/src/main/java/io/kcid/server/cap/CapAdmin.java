package io.kcid.server.cap;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapChange;
import io.kcid.proto.tracking.v1.ConversionCapUsage;
import io.kcid.proto.tracking.v1.DeleteConversionCapRequest;
import io.kcid.proto.tracking.v1.DeleteConversionCapResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListConversionCapsResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.SetConversionCapRequest;
import io.kcid.proto.tracking.v1.SetConversionCapResponse;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Timestamps;
import io.kcid.server.store.CapCounters;
import io.kcid.server.store.CapStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sets, lists and deletes an account's conversion caps. Every change is one compare-and-set with
 * its audit entry (who, when, before, after); a change applies from its effective_from onward
 * and, on other servers, within the account cache TTL.
 */
public final class CapAdmin {
  /** Caps per account: each is checked on every conversion of its goal. */
  public static final int MAX_CAPS = 50;
  static final int CHANGES_LISTED = 100;
  private static final int ATTEMPTS = 5;

  private final CapStore store;
  private final CapCounters counters;
  private final AccountDirectory accounts;
  private final Clock clock;

  public CapAdmin(CapStore store, CapCounters counters, AccountDirectory accounts, Clock clock) {
    this.store = store;
    this.counters = counters;
    this.accounts = accounts;
    this.clock = clock;
  }

  /** @param actor the calling key's name, for the audit */
  public CompletionStage<SetConversionCapResponse> set(SetConversionCapRequest request, String actor) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    if (!request.hasCap()) {
      throw new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID, "cap is required", Map.of("field", "cap"));
    }
    Instant now = clock.instant();
    ConversionCap cap = CapRules.checked(request.getCap(), now);
    return accounts.fresh(accountId).thenCompose(record -> {
      if (record.account().getConversionCapsCount() >= MAX_CAPS
          && record.account().getConversionCapsList().stream().noneMatch(c -> c.getCapId().equals(cap.getCapId()))) {
        throw new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID,
            "An account has at most " + MAX_CAPS + " caps; delete one first.", Map.of("field", "cap_id"));
      }
      if (!cap.getGoalKey().isEmpty() && record.goal(cap.getGoalKey()).isEmpty()) {
        throw new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID,
            "Account '" + accountId + "' has no goal '" + cap.getGoalKey() + "'.", Map.of("field", "goal_key"));
      }
      return change(accountId, cap.getCapId(), Optional.of(cap), actor, now, ATTEMPTS);
    }).thenApply(x -> SetConversionCapResponse.newBuilder().setCap(cap).build());
  }

  public CompletionStage<DeleteConversionCapResponse> delete(DeleteConversionCapRequest request, String actor) {
    String accountId = Identifiers.key("account_id", request.getAccountId());
    String capId = request.getCapId();
    if (capId.isEmpty()) {
      throw new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID, "cap_id is required", Map.of("field", "cap_id"));
    }
    return accounts.fresh(accountId)
        .thenCompose(record -> change(accountId, capId, Optional.empty(), actor, clock.instant(), ATTEMPTS))
        .thenApply(x -> DeleteConversionCapResponse.getDefaultInstance());
  }

  /** Reads the cap, then writes the change if it is still what was read; retried when another change won. */
  private CompletionStage<Void> change(
      String accountId, String capId, Optional<ConversionCap> after, String actor, Instant now, int attempts) {
    return store.find(accountId, capId).thenCompose(before -> {
      if (after.isEmpty() && before.isEmpty()) {
        throw new KcidException(ErrorReason.ERROR_REASON_CAP_NOT_FOUND,
            "Account '" + accountId + "' has no cap '" + capId + "'.", Map.of("capId", capId));
      }
      ConversionCapChange.Builder change = ConversionCapChange.newBuilder()
          .setCapId(capId)
          .setChangeTime(Timestamps.of(now))
          .setActor(actor == null ? "" : actor);
      before.ifPresent(change::setBefore);
      after.ifPresent(change::setAfter);
      return store.change(accountId, change.build()).thenCompose(done -> {
        if (done) {
          accounts.invalidate(accountId);
          return CompletableFuture.<Void>completedFuture(null);
        }
        if (attempts <= 1) {
          throw new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID,
              "Cap '" + capId + "' is being changed concurrently; try again.", Map.of("field", "cap_id"));
        }
        return change(accountId, capId, after, actor, now, attempts - 1);
      });
    });
  }

  /** The caps with what each counted in its current period (in the account's time zone), and the latest changes. */
  public CompletionStage<ListConversionCapsResponse> list(String accountIdField) {
    String accountId = Identifiers.key("account_id", accountIdField);
    Instant now = clock.instant();
    return accounts.fresh(accountId).thenCompose(record -> {
      Account account = record.account();
      ZoneId zone = CapRules.zone(account);
      List<ConversionCap> caps = account.getConversionCapsList();
      Map<String, String> periods = new HashMap<>();
      caps.forEach(c -> periods.put(c.getCapId(), CapRules.periodField(c.getPeriod(), zone, now)));
      return counters.used(accountId, periods).thenCombine(store.changes(accountId, CHANGES_LISTED), (used, changes) -> {
        ListConversionCapsResponse.Builder out = ListConversionCapsResponse.newBuilder().addAllChanges(changes);
        for (ConversionCap c : caps) {
          long n = used.getOrDefault(c.getCapId(), 0L);
          ConversionCapUsage.Builder u = ConversionCapUsage.newBuilder()
              .setCap(c)
              .setPeriod(CapRules.periodLabel(c.getPeriod(), zone, now));
          if (c.hasMaxValue()) {
            u.setUsedValue(Money.newBuilder().setAmount(CapRules.amount(n)).setCurrencyCode(c.getMaxValue().getCurrencyCode()));
          } else {
            u.setUsedConversions(n);
          }
          out.addCaps(u);
        }
        return out.build();
      });
    });
  }
}
