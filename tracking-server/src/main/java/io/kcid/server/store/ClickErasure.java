package io.kcid.server.store;

import java.util.List;

/**
 * What deleting a click removed, and what it left for the caller to remove elsewhere.
 *
 * @param conversions conversions deleted with the click
 * @param accountId the click's owner ("" when only its state was left)
 * @param transactions the transactions recorded on the click: their account-wide claims live
 *     under the account's hash tag and are dropped separately
 */
public record ClickErasure(long conversions, String accountId, List<Transaction> transactions) {
  public record Transaction(String goalKey, String transactionId) {}

  public ClickErasure {
    transactions = List.copyOf(transactions);
  }
}
