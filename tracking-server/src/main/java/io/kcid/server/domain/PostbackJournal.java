package io.kcid.server.domain;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidDiagnosis;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredential;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.store.PostbackLog;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every postback's outcome to the postback log. It runs once the answer is decided and
 * never changes it: the write is issued on the shared connection without being waited for, and a
 * failed write is counted and logged (without the entry), not reported to the sender. Secrets
 * never reach the log: credentials are dropped, any echo of the token or signature in another
 * parameter is redacted, and the sender's address is cut to its network.
 */
public final class PostbackJournal implements RecordListener {
  private static final Logger log = LoggerFactory.getLogger(PostbackJournal.class);
  static final String REDACTED = "[redacted]";
  /** Shorter values are too common to be secrets worth redacting from other text. */
  private static final int MIN_SECRET_LENGTH = 8;
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

  private final PostbackLog store;
  private final AccountDirectory accounts;
  private final KcidCodec codec;
  private final Clock clock;
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final RejectionSampler sampler = new RejectionSampler(System::nanoTime);
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  public PostbackJournal(PostbackLog store, AccountDirectory accounts, KcidCodec codec, Clock clock) {
    this.store = store;
    this.accounts = accounts;
    this.codec = codec;
    this.clock = clock;
  }

  /** Unauthenticated rejections not logged because their log's sample budget was spent. */
  public long suppressedEntries() {
    return suppressed.get();
  }

  /** Log writes that failed since start (the postbacks themselves were answered normally). */
  public long failedWrites() {
    return failedWrites.get();
  }

  @Override
  public void completed(
      RecordConversionRequest request, RecordContext context, RecordConversionResponse response, Throwable failure) {
    try {
      PostbackLogEntry entry = entry(request, context, response, unwrap(failure));
      account(request, context, entry)
          .thenCompose(account -> {
            String target = account.orElse(PostbackLog.UNATTRIBUTED);
            if (!sampler.admit(target, entry.getReason())) {
              suppressed.incrementAndGet();
              return CompletableFuture.completedFuture("");
            }
            return write(target, request, context, entry.toBuilder().setAccountId(account.orElse("")).build());
          })
          .whenComplete((id, writeFailure) -> {
            if (writeFailure != null) {
              failed(writeFailure);
            }
          });
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  /** Returns the write's stage, for tests and for callers that want to wait. */
  CompletionStage<String> write(
      String accountId, RecordConversionRequest request, RecordContext context, PostbackLogEntry entry) {
    // The recorder verified the kcid already (one HMAC per postback is enough); a postback refused
    // before that is inspected here.
    Optional<DecodedKcid> kcid = context.kcid().or(() -> {
      KcidDiagnosis diagnosis = codec.inspect(request.getKcid());
      return diagnosis.valid() ? diagnosis.decoded() : Optional.empty();
    });
    return store.append(accountId, kcid, entry, clock.instant());
  }

  /**
   * The account the entry belongs to: the one the recorder attributed it to or, for a postback
   * refused before that (a malformed kcid), the owner of a valid token or the account a trusted
   * caller named. An unverified claim never attributes a postback.
   */
  private CompletionStage<Optional<String>> account(
      RecordConversionRequest request, RecordContext context, PostbackLogEntry entry) {
    if (!context.accountId().isEmpty()) {
      return CompletableFuture.completedFuture(Optional.of(context.accountId()));
    }
    boolean definite = entry.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_REJECTED;
    if (!definite || entry.getReason() == ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID
        || entry.getReason() == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletionStage<io.kcid.server.store.AccountRecord> found;
    if (request.hasCredentials() && !request.getCredentials().getToken().isEmpty()) {
      found = accounts.authenticate(request.getCredentials().getToken());
    } else if (!request.hasCredentials() && !request.getAccountId().isEmpty()) {
      found = accounts.get(request.getAccountId());
    } else {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return found.handle((account, f) ->
        f == null ? Optional.of(account.account().getAccountId()) : Optional.<String>empty());
  }

  static PostbackLogEntry entry(
      RecordConversionRequest request, RecordContext context, RecordConversionResponse response, Throwable failure) {
    PostbackCredentials credentials = request.getCredentials();
    List<String> secrets = new ArrayList<>();
    for (String secret : List.of(credentials.getToken(), credentials.getSignature())) {
      if (secret.length() >= MIN_SECRET_LENGTH) {
        secrets.add(secret);
      }
    }
    String clientIp = credentials.getClientIp();
    String network = SourceNetwork.of(clientIp);
    PostbackLogEntry.Builder entry =
        PostbackLogEntry.newBuilder()
            .setReceiveTime(ClickIssuer.timestamp(context.receiveTime()))
            .setRequest(redacted(request.toBuilder().clearCredentials().build(), secrets))
            .setCredential(credential(request, context))
            .setSourceNetwork(network)
            .setReplayOf(context.replayOf())
            .setRepeatedRequest(context.repeatedRequest())
            .setAuthenticated(context.authenticated());
    if (failure == null) {
      boolean accepted = response.getOutcome() == Outcome.OUTCOME_ACCEPTED;
      entry.setOutcome(accepted ? PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED : PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE)
          .setConversionId(response.getConversionId());
      if (!accepted) {
        entry.setReason(response.getDuplicateReason());
      }
      return entry.build();
    }
    if (failure instanceof KcidException told && context.diagnosis().isPresent()) {
      // The sender was answered generically; the account's log keeps the precise refusal.
      entry.setSenderReason(told.reason()).setSenderMessage(told.getMessage());
      failure = context.diagnosis().get();
    }
    if (failure instanceof KcidException k) {
      String message = scrub(k.getMessage(), secrets);
      if (!clientIp.isEmpty()) {
        // Messages such as IP_NOT_ALLOWED name the address: keep only its network here too.
        message = message.replace(clientIp, network.isEmpty() ? REDACTED : network);
      }
      return entry
          .setOutcome(ErrorReasons.isRetryable(k.reason())
              ? PostbackOutcome.POSTBACK_OUTCOME_UNKNOWN
              : PostbackOutcome.POSTBACK_OUTCOME_REJECTED)
          .setReason(k.reason())
          .setMessage(message)
          .setConversionId(k.metadata().getOrDefault("conversionId", ""))
          .build();
    }
    // A bug (answered INTERNAL and logged by the gRPC layer): whether anything was written is unknown.
    return entry
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_UNKNOWN)
        .setReason(ErrorReason.ERROR_REASON_INTERNAL)
        .setMessage("Internal error; the request was not processed.")
        .build();
  }

  private static PostbackCredential credential(RecordConversionRequest request, RecordContext context) {
    if (!context.replayOf().isEmpty()) {
      return PostbackCredential.POSTBACK_CREDENTIAL_REPLAY;
    }
    if (!request.hasCredentials()) {
      return PostbackCredential.POSTBACK_CREDENTIAL_TRUSTED_CALLER;
    }
    if (!request.getCredentials().getToken().isEmpty()) {
      return PostbackCredential.POSTBACK_CREDENTIAL_TOKEN;
    }
    if (!request.getCredentials().getSignature().isEmpty()) {
      return PostbackCredential.POSTBACK_CREDENTIAL_SIGNATURE;
    }
    return PostbackCredential.POSTBACK_CREDENTIAL_IP_ALLOWLIST;
  }

  /** The request without any echo of a secret in its free-text parameters. */
  private static RecordConversionRequest redacted(RecordConversionRequest request, List<String> secrets) {
    if (secrets.isEmpty()) {
      return request;
    }
    RecordConversionRequest.Builder clean =
        request.toBuilder()
            .setKcid(scrub(request.getKcid(), secrets))
            .setGoalKey(scrub(request.getGoalKey(), secrets))
            .setTransactionId(scrub(request.getTransactionId(), secrets))
            .setRequestId(scrub(request.getRequestId(), secrets))
            .setAccountId(scrub(request.getAccountId(), secrets));
    if (request.hasValue()) {
      clean.setValue(request.getValue().toBuilder()
          .setAmount(scrub(request.getValue().getAmount(), secrets))
          .setCurrencyCode(scrub(request.getValue().getCurrencyCode(), secrets)));
    }
    clean.clearAdvSubIds();
    request.getAdvSubIdsMap().forEach((k, v) -> clean.putAdvSubIds(scrub(k, secrets), scrub(v, secrets)));
    return clean.build();
  }

  private static String scrub(String text, List<String> secrets) {
    String clean = text;
    for (String secret : secrets) {
      clean = clean.replace(secret, REDACTED);
    }
    return clean;
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private void failed(Throwable failure) {
    long count = failedWrites.incrementAndGet();
    long now = System.nanoTime();
    long last = lastWarning.get();
    // At most one warning per interval: an outage would otherwise log once per postback.
    if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
      Throwable cause = unwrap(failure);
      log.warn("postback log write failed ({} failures since start; the postbacks were answered): {}: {}",
          count, cause.getClass().getSimpleName(), cause.getMessage());
    }
  }
}
