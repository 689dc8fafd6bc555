package io.kcid.server.postback;

import com.google.protobuf.CodedOutputStream;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.common.Secrets;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.SignatureReplayCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A postback signature is single-use within its tolerance window.
 *
 * <p>The edge refuses every parameter a signature does not cover (a query beside a signed body,
 * an empty payload), so a verified signature fixes the postback's content; what remains is the
 * identical request sent again — by an eavesdropper, a log reader, or the sender itself retrying
 * after an unknown outcome (503). An identical replay would count twice wherever nothing else
 * deduplicates it (a goal that counts every postback, no txid). So, after the signature verified,
 * one {@code SET NX} claims it, shared by all server instances:
 *
 * <ul>
 *   <li>The claim's key is a digest of the signature and the signed item (the request without its
 *       credentials and request id): the items of one signed batch share the signature and claim
 *       one key each. Its value is the request id, the one unsigned field that may change the
 *       outcome (the {@code Idempotency-Key} header).
 *   <li>First use: recorded as usual. Zero Redis commands for unsigned postbacks, one for signed.
 *   <li>Used again with the same non-empty request id: this is the same request resent; it goes on
 *       to the record path, which answers a request id exactly once (the first outcome, or the
 *       record if the first attempt never got that far). So a sender that gives its signed
 *       postbacks a request id can resend the very same request after a 503 and is counted once.
 *   <li>Used again otherwise (no request id, or another one): 401 POSTBACK_SIGNATURE_REUSED. It
 *       cannot be told from a replay; an honest resend signs afresh (new {@code t}) or carries a
 *       request id.
 *   <li>A postback whose claim or record fails (refused, or an unknown outcome such as a store
 *       timeout) releases the claim, so its resend after the 503 is not refused as reused. The
 *       release is queued behind the claim on the same connection, so even a claim that timed out
 *       but ran later is dropped. What the release cannot undo: a record that ran although its
 *       answer was lost; its resend is then recorded again unless something deduplicates it (a
 *       request id, a txid, a once-per-click goal) — as for any resend after a 503.
 *   <li>A claim that stands means the first request got past its claim and its record did not
 *       fail: a resend without a request id is then refused as reused, and the first request's
 *       outcome is in the account's postback log.
 * </ul>
 *
 * Dry runs and operator replays neither claim nor check (they are not requests from outside), nor
 * does a postback that also presents an accepted token (the token alone could send it again).
 * The claim lives twice the account's tolerance plus a minute: a signature passes the timestamp
 * check from {@code t - tolerance} to {@code t + tolerance}, so no claim expires while its
 * signature could still pass (the minute covers clock differences between server instances).
 */
public final class SignatureReplays {
  static final Duration CLOCK_MARGIN = Duration.ofMinutes(1);
  private static final String VALUE_PREFIX = "r:";

  private final SignatureReplayCache cache;

  public SignatureReplays(SignatureReplayCache cache) {
    this.cache = cache;
  }

  /** A claim taken by {@link #claim}: release it if the postback is not recorded. */
  public record Claim(String accountId, byte[] key, String value) {}

  /**
   * Claims the postback's verified signature, or refuses its reuse. Completes with null when
   * there is nothing to claim (unsigned, dry run, replay) or a resend of the same request goes on
   * to be deduplicated by its request id; with the claim otherwise.
   */
  public CompletionStage<Claim> claim(AccountRecord account, RecordConversionRequest request, RecordContext context) {
    PostbackCredentials credentials = request.getCredentials();
    if (!applies(request, context)) {
      return CompletableFuture.completedFuture(null);
    }
    String accountId = account.account().getAccountId();
    byte[] key = key(request);
    // The request id, then a nonce of this attempt: a release drops only its own claim.
    String requestIdPart = VALUE_PREFIX + request.getRequestId() + "\n";
    String value = requestIdPart + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36);
    Duration ttl = PostbackAuthenticator.tolerance(account.account().getPostbackAuth()).multipliedBy(2).plus(CLOCK_MARGIN);
    return cache
        .claim(accountId, key, value, ttl)
        .handle(
            (first, failure) -> {
              if (failure != null) {
                // Unknown whether the SET ran (a timeout): queue the release behind it, so the
                // sender's resend after our 503 is not refused as a reuse. Nothing was recorded.
                cache.release(accountId, key, value);
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
              }
              if (first.isEmpty()) {
                return new Claim(accountId, key, value);
              }
              if (!request.getRequestId().isEmpty() && first.get().startsWith(requestIdPart)) {
                return null; // the same request resent: its request id answers it exactly once
              }
              throw reused(credentials.getSignatureTimestamp());
            });
  }

  /**
   * Whether the postback's signature is claimed: it carries one, it is a postback from outside
   * (not a dry run or an operator's replay), and no token authenticated it as well — whoever holds
   * an accepted token can send anything again, so a single-use signature beside it protects
   * nothing and would only cost a Redis command.
   */
  /**
   * Runs {@code record} with the postback's verified signature claimed first (when it applies),
   * releasing the claim if nothing was recorded so an honest resend goes through.
   */
  public <T> CompletionStage<T> once(
      AccountRecord account, RecordConversionRequest request, RecordContext context, Supplier<CompletionStage<T>> record) {
    if (!applies(request, context)) {
      return record.get(); // unsigned (or token-authenticated): not a single Redis command more
    }
    return claim(account, request, context).thenCompose(claim -> {
      CompletionStage<T> recorded;
      try {
        recorded = record.get();
      } catch (RuntimeException e) {
        recorded = CompletableFuture.failedFuture(e);
      }
      return claim == null ? recorded : recorded.whenComplete((response, failure) -> {
        if (failure != null) {
          release(claim);
        }
      });
    });
  }

  static boolean applies(RecordConversionRequest request, RecordContext context) {
    PostbackCredentials credentials = request.getCredentials();
    return !credentials.getSignature().isEmpty()
        && credentials.getToken().isEmpty()
        && !context.dryRun()
        && context.replayOf().isEmpty();
  }

  /** Best effort: the postback was not recorded, so a resend of it must not count as a replay. */
  public void release(Claim claim) {
    if (claim != null) {
      cache.release(claim.accountId(), claim.key(), claim.value());
    }
  }

  static KcidException reused(long timestamp) {
    return new KcidException(
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_REUSED,
        "This X-Kcid-Signature (t=" + timestamp + ") was already used; a signature is accepted once. Sign each"
            + " postback, and each resend, when sending it (a new t) — or give the postback a request_id"
            + " (Idempotency-Key): a resend of the very same signed request is then answered as the first.");
  }

  /**
   * SHA-256 of the signature and the item it vouches for: the request without its credentials and
   * request id, serialized deterministically (map fields sorted).
   */
  static byte[] key(RecordConversionRequest request) {
    byte[] signature = request.getCredentials().getSignature().getBytes(StandardCharsets.UTF_8);
    RecordConversionRequest item = request.toBuilder().clearCredentials().clearRequestId().build();
    byte[] serialized = new byte[item.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(serialized);
    out.useDeterministicSerialization();
    try {
      item.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialize to memory", e);
    }
    byte[] input = Arrays.copyOf(signature, signature.length + 1 + serialized.length);
    System.arraycopy(serialized, 0, input, signature.length + 1, serialized.length);
    return Arrays.copyOf(Secrets.sha256(input), 16);
  }
}
