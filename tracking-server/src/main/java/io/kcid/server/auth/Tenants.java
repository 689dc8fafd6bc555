package io.kcid.server.auth;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.click.ClickOwners;
import io.kcid.server.common.Identifiers;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Who owns what, as a scope check needs it: an account's partner, a click's account. Reads go
 * through the caches the hot path uses, so checking a scoped key costs no Redis round trip for a
 * known account or click. "Not found" is an empty answer, never a failure: a scope check refuses
 * what it cannot place; only store trouble fails.
 */
public final class Tenants {
  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final ClickOwners clickOwners;
  private final KcidCodec codec;

  public Tenants(AccountDirectory accounts, PartnerDirectory partners, ClickOwners clickOwners, KcidCodec codec) {
    this.accounts = accounts;
    this.partners = partners;
    this.clickOwners = clickOwners;
    this.codec = codec;
  }

  /** The partner that owns {@code accountId}; empty when there is no such account. */
  public CompletionStage<Optional<String>> partnerOf(String accountId) {
    Identifiers.key("account_id", accountId);
    return absentAs(
        accounts.get(accountId).thenApply(record -> Optional.of(Partners.partnerOf(record.account()))),
        ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
  }

  /** Whether the partner exists (the default partner always does). */
  public CompletionStage<Boolean> partnerExists(String partnerId) {
    Identifiers.key("partner_id", partnerId);
    return absentAs(partners.get(partnerId).thenApply(found -> Optional.of(true)), ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND)
        .thenApply(Optional::isPresent);
  }

  /**
   * The account of the click a kcid or a conversion id ({@code <kcid>-<n>}) names; empty when
   * the value is no kcid or the click is not stored (expired, deleted, never issued).
   */
  public CompletionStage<Optional<String>> accountOfClick(String kcidOrConversionId) {
    Optional<DecodedKcid> kcid = decode(kcidOrConversionId);
    if (kcid.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return absentAs(
        clickOwners.ownerOf(kcid.get()).thenApply(Optional::of),
        ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, ErrorReason.ERROR_REASON_CLICK_EXPIRED);
  }

  private Optional<DecodedKcid> decode(String value) {
    for (String candidate : new String[] {value, value.lastIndexOf('-') > 0 ? value.substring(0, value.lastIndexOf('-')) : ""}) {
      if (candidate.isEmpty()) {
        continue;
      }
      try {
        return Optional.of(codec.decode(candidate));
      } catch (KcidException notAKcid) {
        // Try the conversion-id form next; neither: empty.
      }
    }
    return Optional.empty();
  }

  /** The read, with the failures that mean "there is none" turned into an empty answer. */
  private static <T> CompletionStage<Optional<T>> absentAs(CompletionStage<Optional<T>> read, ErrorReason... absent) {
    return read.exceptionally(
        failure -> {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (cause instanceof KcidException k && java.util.Arrays.asList(absent).contains(k.reason())) {
            return Optional.empty();
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }
}
