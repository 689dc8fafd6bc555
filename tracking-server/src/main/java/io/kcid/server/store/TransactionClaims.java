package io.kcid.server.store;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Account-wide ownership of transaction ids, for goals that count a transaction once per
 * account. The claim lives under the account's hash tag; the conversion under its click's
 * partition. A claim names the kcid allowed to record the transaction, so the same postback
 * retried after an unknown outcome passes again and is deduplicated in its partition.
 */
public interface TransactionClaims {

  /** Who holds a claim: a kcid and, once recorded, the conversion id ("" before). */
  record Holder(String kcid, String conversionId) {}

  /** Claims the transaction for {@code kcid} unless another kcid holds it; returns the holder. */
  CompletionStage<Holder> claim(String accountId, String goalKey, String transactionId, String kcid, Duration ttl);

  /** The current holder of a claim, if any, without claiming (for dry runs). */
  CompletionStage<java.util.Optional<Holder>> peek(String accountId, String goalKey, String transactionId);

  /** Drops our claim when the record was refused for good (nothing was written). */
  CompletionStage<Void> release(String accountId, String goalKey, String transactionId, String kcid);

  /** Notes the conversion id on our claim, so later duplicates can name it. */
  CompletionStage<Void> settle(String accountId, String goalKey, String transactionId, String kcid, String conversionId);

  /** Deletes the claim if {@code kcid} holds it, recorded or not: its click was deleted. */
  CompletionStage<Void> drop(String accountId, String goalKey, String transactionId, String kcid);
}
