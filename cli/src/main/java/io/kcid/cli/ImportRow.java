package io.kcid.cli;

import com.google.protobuf.Timestamp;
import io.kcid.core.postback.StatusWords;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * One row of an order list as a RecordConversion, or why it cannot be one. Only what the CLI must
 * understand to build the request is checked here (field count, kcid present, time); the kcid,
 * value, currency, goal and status word (through the account's status map) are judged by the
 * server with the postbacks' rules. The
 * request_id is derived from the account and the row's content, so importing the same row again
 * is answered as the first time and records nothing (idempotent re-import).
 *
 * @param request the request to send; null when {@code reason} is set
 * @param reason a stable reason code (MISSING_PARAMETER, INVALID_PARAMETER) or null
 */
record ImportRow(long line, String kcid, String txid, RecordConversionRequest request, String reason, String message) {
  static final List<String> ADV_COLUMNS = List.of("adv1", "adv2", "adv3", "adv4", "adv5");
  static final List<String> COLUMNS = List.of("kcid", "txid", "goal", "value", "currency", "status", "time",
      "adv1", "adv2", "adv3", "adv4", "adv5");
  static final String REQUEST_ID_PREFIX = "csv-";

  static ImportRow of(OrderCsv.Row row, String account) {
    String kcid = row.problem() == null ? row.get("kcid") : "";
    String txid = row.problem() == null ? row.get("txid") : "";
    if (row.problem() != null) {
      return refused(row, kcid, txid, "INVALID_PARAMETER", row.problem());
    }
    if (kcid.isEmpty()) {
      return refused(row, kcid, txid, "MISSING_PARAMETER", "kcid is empty");
    }
    RecordConversionRequest.Builder request = RecordConversionRequest.newBuilder()
        .setAccountId(account).setKcid(kcid).setGoalKey(row.get("goal")).setTransactionId(txid);
    String status = row.get("status").strip();
    if (!status.isEmpty()) {
      // The server maps the word with the account's status map, as it does a postback's; kcid's
      // own words also go in the enum (and keep the request ids they always had).
      request.setStatusWord(status).setStatus(StatusWords.own(status));
    }
    if (!row.get("value").isEmpty() || !row.get("currency").isEmpty()) {
      request.setValue(Money.newBuilder().setAmount(row.get("value")).setCurrencyCode(row.get("currency")));
    }
    if (!row.get("time").isEmpty()) {
      Instant time = time(row.get("time"));
      if (time == null) {
        return refused(row, kcid, txid, "INVALID_PARAMETER",
            "time '" + row.get("time") + "': expected ISO-8601, e.g. 2026-12-01T10:00:00Z");
      }
      request.setEventTime(Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()));
    }
    for (String adv : ADV_COLUMNS) {
      if (!row.get(adv).isEmpty()) {
        request.putAdvSubIds(adv, row.get(adv));
      }
    }
    request.setRequestId(requestId(request));
    return new ImportRow(row.line(), kcid, txid, request.build(), null, null);
  }

  /**
   * {@code csv-} and 40 hex digits of a SHA-256 over the account and every field the row sends
   * (the time as an instant, so 10:00Z and 11:00+01:00 are one row): the same row in any file, at
   * any line, is the same request.
   */
  static String requestId(RecordConversionRequest.Builder r) {
    String content = String.join("\u001f", r.getAccountId(), r.getKcid().toLowerCase(Locale.ROOT), r.getGoalKey(),
        r.getValue().getAmount(), r.getValue().getCurrencyCode(), r.getTransactionId(), statusPart(r),
        r.hasEventTime() ? r.getEventTime().getSeconds() + "." + r.getEventTime().getNanos() : "",
        new TreeMap<>(r.getAdvSubIdsMap()).toString());
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
      return REQUEST_ID_PREFIX + HexFormat.of().formatHex(digest).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The enum's name as request ids always had it, plus the word when the enum does not say it. */
  private static String statusPart(RecordConversionRequest.Builder r) {
    return r.getStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED && !r.getStatusWord().isEmpty()
        ? r.getStatus().name() + ":" + r.getStatusWord().toLowerCase(Locale.ROOT)
        : r.getStatus().name();
  }

  private static Instant time(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  private static ImportRow refused(OrderCsv.Row row, String kcid, String txid, String reason, String message) {
    return new ImportRow(row.line(), kcid, txid, null, reason, message);
  }
}
