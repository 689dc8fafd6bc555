package io.kcid.edge.postback;

import io.kcid.core.postback.StatusWords;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;

/**
 * Maps collected postback parameters (and two headers) onto a {@link RecordConversionRequest}. The
 * one code path for a parameter map, whether it came from {@code /postback} (query and body) or from
 * one item of a {@code /postbacks} batch.
 * It checks shape only: the kcid, value and currency are forwarded raw, because the server
 * diagnoses them precisely (macro not replaced, MAC mismatch, bad decimal …).
 * Empty values count as absent: senders fill unknown macros with nothing.
 */
final class PostbackRequestParser {
  private static final String BEARER = "bearer ";

  private PostbackRequestParser() {}

  /** The request plus how many parameters were ignored as unknown. */
  record Parsed(RecordConversionRequest request, int unknownParameters) {}

  /**
   * What a postback gets from outside its own parameters.
   *
   * @param idempotencyKey the {@code Idempotency-Key} header, or null
   * @param token the token given outside the parameters (Bearer, or a batch's token), or null
   * @param tokenSource how that token was given, for messages
   * @param parameterTokenWins a {@code token} parameter replaces {@link #token} (a batch item's own
   *     token); otherwise the two must agree
   */
  record Outer(String idempotencyKey, String token, String tokenSource, boolean parameterTokenWins) {
    /** One postback: {@code Idempotency-Key} and {@code Authorization: Bearer}, which must agree with the parameters. */
    static Outer of(HttpHeaders headers) {
      return new Outer(header(headers, "Idempotency-Key"), bearer(headers), "Authorization: Bearer", false);
    }

    /** One item of a batch: the batch's token unless the item carries its own. */
    static Outer batchItem(String batchToken) {
      return new Outer(null, batchToken, "the batch token", true);
    }
  }

  /**
   * Maps one postback's parameters onto a request.
   *
   * @param credentials everything the request presents except the token (client address, signature);
   *     the resolved token is added to it
   */
  static Parsed parse(PostbackParameters parameters, Outer outer, PostbackCredentials credentials) {
    // Resolve every alias group first: an ambiguous postback is rejected before anything else.
    String kcid = resolve(parameters, PostbackField.KCID);
    String goal = resolve(parameters, PostbackField.GOAL);
    String value = resolve(parameters, PostbackField.VALUE);
    String currency = resolve(parameters, PostbackField.CURRENCY);
    String txid = resolve(parameters, PostbackField.TXID);
    String status = resolve(parameters, PostbackField.STATUS);
    String eventTime = resolve(parameters, PostbackField.EVENT_TIME);
    String test = resolve(parameters, PostbackField.TEST);
    String account = resolve(parameters, PostbackField.ACCOUNT);
    String requestId = agree("request_id", resolve(parameters, PostbackField.REQUEST_ID), "Idempotency-Key", outer.idempotencyKey());
    String tokenParameter = resolve(parameters, PostbackField.TOKEN);
    String token =
        outer.parameterTokenWins() && tokenParameter != null
            ? tokenParameter
            : agree("token", tokenParameter, outer.tokenSource(), outer.token());

    // No credentials is not decided here: the account may authenticate by IP allowlist alone, and
    // only the server knows (it answers POSTBACK_CREDENTIALS_MISSING when it needs one).
    if (kcid == null) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_KCID_MISSING,
          "No kcid: pass the click id the landing page received as 'kcid' (or clickid, click_id, cid, subid, transaction_id).");
    }
    PostbackCredentials.Builder presented = credentials.toBuilder();
    if (token != null) {
      presented.setToken(token);
    }
    RecordConversionRequest.Builder request =
        RecordConversionRequest.newBuilder()
            .setKcid(kcid)
            .setCredentials(presented);
    if (goal != null) {
      request.setGoalKey(goal);
    }
    if (value != null || currency != null) {
      request.setValue(
          Money.newBuilder().setAmount(value == null ? "" : value).setCurrencyCode(currency == null ? "" : currency));
    }
    if (txid != null) {
      request.setTransactionId(txid);
    }
    if (status != null) {
      // The server maps the sender's word with the account's status map; kcid's own words also go
      // in the enum, which servers that predate status maps read.
      request.setStatusWord(status).setStatus(StatusWords.own(status));
    }
    if (eventTime != null) {
      request.setEventTime(EventTimes.parse(eventTime));
    }
    if (test != null) {
      request.setTest(test(test));
    }
    if (requestId != null) {
      request.setRequestId(requestId);
    }
    if (account != null) {
      request.setAccountId(account);
    }
    for (PostbackField adv : PostbackField.ADV_SUB_IDS) {
      String advValue = resolve(parameters, adv);
      if (advValue != null) {
        request.putAdvSubIds(adv.canonicalName(), advValue);
      }
    }
    int unknown = 0;
    for (String name : parameters.asMap().keySet()) {
      if (!PostbackField.isKnown(name)) {
        unknown++;
      }
    }
    return new Parsed(request.build(), unknown);
  }

  /** The one non-empty value given under the field's names, or null; different values are rejected. */
  private static String resolve(PostbackParameters parameters, PostbackField field) {
    String value = null;
    String from = null;
    for (String name : field.names()) {
      String candidate = parameters.get(name);
      if (candidate == null || candidate.isEmpty()) {
        continue;
      }
      if (value == null) {
        value = candidate;
        from = name;
      } else if (!value.equals(candidate)) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "'" + from + "' and '" + name + "' both name the " + field.canonicalName() + " but differ; send one value.");
      }
    }
    return value;
  }

  private static String agree(String parameterName, String parameter, String headerName, String header) {
    if (parameter != null && header != null && !parameter.equals(header)) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "'" + parameterName + "' and '" + headerName + "' are both given but differ; send one.");
    }
    return parameter != null ? parameter : header;
  }

  static String header(HttpHeaders headers, String name) {
    String value = headers.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** The token of {@code Authorization: Bearer <token>} (scheme case-insensitive); other schemes are not ours. */
  static String bearer(HttpHeaders headers) {
    String authorization = headers.get("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String token = authorization.substring(BEARER.length()).trim();
    return token.isEmpty() ? null : token;
  }

  private static boolean test(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "1":
      case "true":
        return true;
      case "0":
      case "false":
        return false;
      default:
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "test must be 1, true, 0 or false.");
    }
  }
}
