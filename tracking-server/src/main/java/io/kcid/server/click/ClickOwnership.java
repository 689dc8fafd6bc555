package io.kcid.server.click;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Who sent a postback is decided before what it says: the click's ownership comes before any goal
 * rule. The record script checks ownership first, but the goal rules that need no Redis (unknown or
 * paused goal, window, minimum time, value, missing transaction id) run before it, and so does the
 * account-wide transaction claim. So when one of those refuses, or finds the transaction held by
 * another click, the click's owner is looked up (cached, and only on that refusing path: an
 * accepted postback costs nothing more) and another account's click is answered
 * {@code CLICK_ACCOUNT_MISMATCH} instead. A click that is not found keeps the rule's refusal.
 */
public final class ClickOwnership {
  private ClickOwnership() {}

  /** Runs {@code work}; a refusal it raises before reaching the store is rechecked for ownership. */
  public static <T> CompletionStage<T> first(
      ClickOwners owners, DecodedKcid kcid, String account, Supplier<CompletionStage<T>> work) {
    try {
      return work.get();
    } catch (KcidException refusal) {
      return owned(owners, kcid, account).thenCompose(owned -> CompletableFuture.failedFuture(refusal));
    }
  }

  /**
   * Completes normally when the click belongs to {@code account} or is not found; fails with
   * CLICK_ACCOUNT_MISMATCH when it belongs to another, or with the store's error when that is
   * unknown.
   */
  public static CompletionStage<Void> owned(ClickOwners owners, DecodedKcid kcid, String account) {
    return owners
        .ownerOf(kcid)
        .handle(
            (owner, failure) -> {
              if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
                if (cause instanceof KcidException k && !ErrorReasons.isRetryable(k.reason())) {
                  return null; // no such click: the rule's own refusal stands
                }
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
              }
              if (!owner.equals(account)) {
                throw mismatch();
              }
              return null;
            });
  }

  public static KcidException mismatch() {
    return new KcidException(
        ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH,
        "The click belongs to another account than the postback's credentials. Check that the"
            + " advertiser posts back with the token of the account that issued the click.");
  }
}
