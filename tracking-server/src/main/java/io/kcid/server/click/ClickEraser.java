package io.kcid.server.click;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.DeleteClickResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.delivery.Outbox;
import io.kcid.server.store.ClickErasure;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.TransactionClaims;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Erases a click (a data subject's request, or a mistaken click): one atomic script removes
 * everything under the click's partition, then the account-wide transaction claims that name the
 * kcid are dropped. If dropping a claim fails the call fails (retryable); the claim would expire
 * with its TTL anyway, and it names only the kcid, not the conversion.
 */
public final class ClickEraser {
  private final KcidCodec codec;
  private final ClickStore clicks;
  private final TransactionClaims claims;
  private final ClickOwners owners;
  private final Outbox outbox;

  /** @param outbox forgets the click's events handed to the local delivery workers */
  public ClickEraser(KcidCodec codec, ClickStore clicks, TransactionClaims claims, ClickOwners owners, Outbox outbox) {
    this.codec = codec;
    this.clicks = clicks;
    this.claims = claims;
    this.owners = owners;
    this.outbox = outbox;
  }

  public CompletionStage<DeleteClickResponse> delete(String kcidText) {
    DecodedKcid kcid = codec.decode(kcidText);
    return clicks
        .delete(kcid)
        .thenCompose(
            erased -> {
              owners.forget(kcid.kcid());
              outbox.forgetClick(kcid.kcid());
              ClickErasure erasure =
                  erased.orElseThrow(
                      () -> new KcidException(
                          ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
                          "No click is stored for this kcid (never issued here, expired, or already deleted)."));
              CompletableFuture<Void> dropped = CompletableFuture.completedFuture(null);
              if (!erasure.accountId().isEmpty()) {
                for (ClickErasure.Transaction tx : erasure.transactions()) {
                  dropped = dropped.thenCompose(
                      x -> claims.drop(erasure.accountId(), tx.goalKey(), tx.transactionId(), kcid.kcid()));
                }
              }
              return dropped.thenApply(
                  x -> DeleteClickResponse.newBuilder().setDeletedConversions((int) erasure.conversions()).build());
            });
  }
}
