package io.kcid.server.postbacklog;

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
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.postback.RecordListener;
import io.kcid.server.postback.SenderRefusals;
import io.kcid.server.postback.SourceNetwork;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.RefusalLog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every postback's outcome to the postback log. It runs once the answer is decided and
 * never changes it: the write is issued on the shared connection without being waited for, and a
 * failed write is counted and logged (without the entry), not reported to the sender. Secrets
 * never reach the log: credentials are dropped, any echo of the token or signature in another
 * parameter is redacted, and the sender's address is cut to its network.
 *
 * <p>Only authenticated postbacks — credentials verified for the account, or a trusted gRPC caller
 * — reach an account's postback log (and its clicks' attempts), and never a refusal about who sent
 * the postback ({@link SenderRefusals}). Anyone can send the others, so a
 * flood of them must not evict that history nor cost a Redis write each: every unauthenticated
 * refusal is counted in memory by reason (flushed by {@link #flushRefusalCounts}), and only a
 * sample of them (a burst, then one a second per log) is written — to the account's separate,
 * smaller refusal log, or to the unattributed log when no account was found.
 */
public final class PostbackJournal implements RecordListener {
  private static final Logger log = LoggerFactory.getLogger(PostbackJournal.class);
  static final String REDACTED = "[redacted]";
  /** Shorter values are too common to be secrets worth redacting from other text. */
  private static final int MIN_SECRET_LENGTH = 8;
  private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

  private final PostbackLog store;
  private final RefusalLog refusals;
  private final AccountDirectory accounts;
  private final KcidCodec codec;
  private final Clock clock;
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private final RejectionSampler sampler = new RejectionSampler(System::nanoTime);
  private final RefusalCounter counter = new RefusalCounter();
  /** Per log, the last hour its counters were trimmed by this instance (bounded: cleared when large). */
  private final Map<String, Long> trimmedHour = new ConcurrentHashMap<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  public PostbackJournal(
      PostbackLog store, RefusalLog refusals, AccountDirectory accounts, KcidCodec codec, Clock clock) {
    this.store = store;
    this.refusals = refusals;
    this.accounts = accounts;
    this.codec = codec;
    this.clock = clock;
  }

  /** Unauthenticated refusals not written because their log's sample budget was spent (still counted). */
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
      attribution(request, context, entry)
          .thenCompose(who -> {
            PostbackLogEntry attributed = entry.toBuilder().setAccountId(who.account()).build();
            // A refusal about who sent it never enters an account's own log, whatever verified
            // before it (e.g. another account's valid token on this account's click).
            boolean aboutSender = entry.getOutcome() != PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED
                && entry.getOutcome() != PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE
                && SenderRefusals.aboutSender(entry.getReason());
            if (who.authenticated() && !aboutSender) {
              return write(who.account(), request, context, attributed);
            }
            return refused(who.account(), attributed);
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

  /**
   * An unauthenticated refusal: counted, and written only when sampled — to the account's refusal
   * log, or to the unattributed log without a pointer from the click (a click's attempts are
   * what was sent for it with valid credentials).
   */
  private CompletionStage<String> refused(String account, PostbackLogEntry entry) {
    counter.add(account, entry.getReason());
    if (!sampler.admit(account)) {
      suppressed.incrementAndGet();
      return CompletableFuture.completedFuture("");
    }
    return account.isEmpty()
        ? store.append(PostbackLog.UNATTRIBUTED, Optional.empty(), entry, clock.instant())
        : refusals.append(account, entry, clock.instant());
  }

  /**
   * Adds the refusals counted since the last call to their logs' counters in Redis: one script
   * call per log that had any. Called about once a second, and at shutdown. Counts whose write
   * fails are kept for the next call.
   */
  public CompletionStage<Void> flushRefusalCounts() {
    Instant now = clock.instant();
    long hour = now.getEpochSecond() / 3600;
    if (trimmedHour.size() > 100_000) {
      trimmedHour.clear();
    }
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    counter.drain().forEach((account, counts) -> {
      Long last = trimmedHour.put(account, hour);
      boolean trim = last == null || last != hour;
      CompletableFuture<Void> write;
      try {
        write = refusals.add(account, now, counts, trim, now).toCompletableFuture();
      } catch (RuntimeException e) {
        write = CompletableFuture.failedFuture(e);
      }
      writes.add(write.whenComplete((x, f) -> {
        if (f != null) {
          counter.addAll(account, counts);
          trimmedHour.remove(account);
          failed(f);
        }
      }));
    });
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).exceptionally(f -> null);
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

  /** Whose log an entry goes to, and whether the postback proved it acts for that account. */
  record Attribution(String account, boolean authenticated) {}

  /**
   * The account the entry belongs to: the one the recorder attributed it to or, for a postback
   * refused before that (a malformed kcid), the owner of a valid token or the account a trusted
   * caller named. An unverified claim never attributes a postback. Authenticated: the account's
   * credentials verified (or a trusted caller, who presents none); a postback attributed by its
   * click but refused for its credentials is not.
   */
  private CompletionStage<Attribution> attribution(
      RecordConversionRequest request, RecordContext context, PostbackLogEntry entry) {
    if (!context.accountId().isEmpty()) {
      return CompletableFuture.completedFuture(
          new Attribution(context.accountId(), context.accountId().equals(context.authenticatedAccount())));
    }
    // A trusted caller's postback no account could be found for is still the trusted caller's.
    Attribution nobody = new Attribution(PostbackLog.UNATTRIBUTED, !request.hasCredentials());
    boolean definite = entry.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_REJECTED;
    if (!definite || entry.getReason() == ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID
        || entry.getReason() == ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND) {
      return CompletableFuture.completedFuture(nobody);
    }
    CompletionStage<io.kcid.server.store.AccountRecord> found;
    if (request.hasCredentials() && !request.getCredentials().getToken().isEmpty()) {
      found = accounts.authenticate(request.getCredentials().getToken());
    } else if (!request.hasCredentials() && !request.getAccountId().isEmpty()) {
      found = accounts.get(request.getAccountId());
    } else {
      return CompletableFuture.completedFuture(nobody);
    }
    return found.handle((account, f) ->
        f == null ? new Attribution(account.account().getAccountId(), true) : nobody);
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
            .setReceiveTime(Timestamps.of(context.receiveTime()))
            .setRequest(redacted(request.toBuilder().clearCredentials().build(), secrets))
            .setCredential(credential(request, context))
            .setSourceNetwork(network)
            .setReplayOf(context.replayOf())
            .setRepeatedRequest(context.repeatedRequest())
            .setAuthenticated(context.authenticated());
    if (failure == null) {
      boolean accepted = response.getOutcome() == Outcome.OUTCOME_ACCEPTED;
      entry.setConversionId(response.getConversionId());
      if (accepted && context.repeatedRequest()) {
        // The sender was told the first call's answer again, but nothing was written this time:
        // the log says what happened, a duplicate (of an earlier replay of the entry, or a retry).
        return entry.setOutcome(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE)
            .setMessage((context.replayOf().isEmpty()
                ? "Same request id as an earlier postback: answered as that one, recorded as "
                : "Already replayed: recorded as ")
                + response.getConversionId() + ". Nothing new was written.")
            .build();
      }
      entry.setOutcome(accepted ? PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED : PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
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
