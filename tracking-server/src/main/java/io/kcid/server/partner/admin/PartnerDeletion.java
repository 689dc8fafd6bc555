package io.kcid.server.partner.admin;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.PartnerStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DeletePartner: refused while the partner owns accounts, unless cascaded — then its accounts go
 * first and the partner last, so a cascade interrupted midway (a crash, a timeout) leaves the
 * partner with fewer accounts, and calling it again finishes the job. Other servers stop using a
 * deleted account or partner when their cached copy expires (the account cache TTL).
 */
public final class PartnerDeletion {
  /** Accounts read per listing step. */
  private static final int PAGE = 1000;
  /** Accounts deleted at once: bounded, so a large cascade never floods the store's request queue. */
  private static final int PARALLEL_DELETES = 32;

  private final PartnerStore partners;
  private final PartnerDirectory partnerDirectory;
  private final AccountStore accounts;
  private final AccountDirectory accountDirectory;

  public PartnerDeletion(
      PartnerStore partners, PartnerDirectory partnerDirectory, AccountStore accounts, AccountDirectory accountDirectory) {
    this.partners = partners;
    this.partnerDirectory = partnerDirectory;
    this.accounts = accounts;
    this.accountDirectory = accountDirectory;
  }

  public CompletionStage<DeletePartnerResponse> deletePartner(DeletePartnerRequest request) {
    String partnerId = Identifiers.key("partner_id", request.getPartnerId());
    if (partnerId.equals(Partners.DEFAULT_ID)) {
      throw Identifiers.invalid(
          "partner_id", "the default partner cannot be deleted: accounts created without a partner belong to it");
    }
    List<String> deleted = new ArrayList<>();
    return partnerDirectory
        .fresh(partnerId)
        .thenCompose(partner -> accountIdsOf(partnerId, "", new ArrayList<>()))
        .thenCompose(
            owned -> {
              if (!owned.isEmpty() && !request.getCascade()) {
                throw new KcidException(
                    ErrorReason.ERROR_REASON_PARTNER_HAS_ACCOUNTS,
                    "Partner '" + partnerId + "' owns " + owned.size() + " account(s): move them with"
                        + " `kcid account update <id> --partner <other>`, or delete them with the partner"
                        + " (`kcid partner delete " + partnerId + " --cascade`).",
                    Map.of("partnerId", partnerId, "accounts", Integer.toString(owned.size())));
              }
              return deleteUntilNoneLeft(partnerId, owned, deleted);
            })
        .thenCompose(x -> partners.delete(partnerId))
        .thenApply(
            x -> {
              partnerDirectory.invalidate(partnerId);
              return DeletePartnerResponse.newBuilder().addAllDeletedAccountIds(deleted).build();
            });
  }

  /**
   * Deletes {@code owned}, then lists the partner's accounts again: one created under it while the
   * cascade ran is deleted too rather than left without a partner.
   */
  private CompletionStage<Void> deleteUntilNoneLeft(String partnerId, List<String> owned, List<String> deleted) {
    if (owned.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return deleteInBatches(partnerId, owned, 0, deleted)
        .thenCompose(x -> accountIdsOf(partnerId, "", new ArrayList<>()))
        .thenCompose(left -> deleteUntilNoneLeft(partnerId, left, deleted));
  }

  private CompletionStage<Void> deleteInBatches(String partnerId, List<String> ids, int from, List<String> deleted) {
    if (from >= ids.size()) {
      return CompletableFuture.completedFuture(null);
    }
    List<String> batch = ids.subList(from, Math.min(ids.size(), from + PARALLEL_DELETES));
    List<CompletableFuture<Boolean>> deletes =
        batch.stream().map(id -> deleteIfStillOwned(partnerId, id).toCompletableFuture()).toList();
    return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new))
        .thenCompose(
            x -> {
              for (int i = 0; i < batch.size(); i++) {
                accountDirectory.invalidate(batch.get(i));
                if (deletes.get(i).join()) {
                  deleted.add(batch.get(i));
                }
              }
              return deleteInBatches(partnerId, ids, from + batch.size(), deleted);
            });
  }

  /** Read again just before: an account moved to another partner since the listing is not this cascade's. */
  private CompletionStage<Boolean> deleteIfStillOwned(String partnerId, String accountId) {
    return accounts
        .load(accountId)
        .thenCompose(
            record -> record.isPresent() && Partners.partnerOf(record.get().account()).equals(partnerId)
                ? accounts.delete(accountId)
                : CompletableFuture.completedFuture(false));
  }

  private CompletionStage<List<String>> accountIdsOf(String partnerId, String afterId, List<String> found) {
    return accounts
        .list(afterId, PAGE, partnerId)
        .thenCompose(
            page -> {
              page.stream().map(Account::getAccountId).forEach(found::add);
              return page.size() < PAGE
                  ? CompletableFuture.completedFuture(found)
                  : accountIdsOf(partnerId, page.get(PAGE - 1).getAccountId(), found);
            });
  }
}
