package io.kcid.server.conversion;

import io.kcid.core.KcidException;
import io.kcid.core.postback.StatusWords;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.account.StatusMapSettings;
import java.util.Map;
import java.util.TreeSet;

/**
 * The status a postback asks for, in the account's terms: ignored when the account ignores
 * senders' statuses; else the sender's word ({@code status_word}) through the account's status map,
 * then kcid's own words; else the {@code status} enum as sent. The same rules for every way in
 * (HTTP postbacks, gRPC, the CSV import), because they all arrive here.
 */
final class InboundStatus {
  /** Longest word judged at all; a longer one is INVALID_STATUS, not STATUS_NOT_MAPPED. */
  static final int MAX_WORD_LENGTH = 64;

  private InboundStatus() {}

  /**
   * The requested status; UNSPECIFIED means the default (approved).
   *
   * @throws KcidException INVALID_STATUS for a word no map could hold, STATUS_NOT_MAPPED for a word
   *     neither the map nor kcid knows
   */
  static ConversionStatus requested(Account account, RecordConversionRequest request) {
    if (account.getIgnoreStatus()) {
      return ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    }
    if (request.getStatusWord().isEmpty()) {
      return request.getStatus();
    }
    String word = StatusMapSettings.normalized(request.getStatusWord());
    if (word.isEmpty()) {
      return ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    }
    if (word.length() > MAX_WORD_LENGTH || word.chars().anyMatch(Character::isISOControl)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_STATUS,
          "status must be a word of at most " + MAX_WORD_LENGTH + " printable characters.",
          Map.of("field", "status"));
    }
    ConversionStatus mapped = account.getStatusMapMap().get(word);
    if (mapped != null) {
      return mapped;
    }
    ConversionStatus own = StatusWords.own(word);
    if (own == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED) {
      throw notMapped(account, word);
    }
    return own;
  }

  private static KcidException notMapped(Account account, String word) {
    String words = String.join(",", new TreeSet<>(account.getStatusMapMap().keySet()));
    return new KcidException(
        ErrorReason.ERROR_REASON_STATUS_NOT_MAPPED,
        "status '" + word + "' is not mapped for account '" + account.getAccountId() + "': its status map has "
            + (words.isEmpty() ? "no words" : "[" + words + "]")
            + ", besides approved, pending and rejected. Map the word (account update --status-map) or"
            + " send a mapped one.",
        Map.of("field", "status", "statusWord", word, "statusMap", words));
  }
}
