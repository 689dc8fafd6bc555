package io.kcid.server.postbacklog;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.click.ClickErrors;
import io.kcid.server.click.KcidInspection;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Retention;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.StoredClick;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ExplainClick: what a support engineer needs about one kcid in one answer — its diagnosis, the
 * click or why it is missing, its conversions with their history, and every logged attempt.
 */
public final class ClickExplainer {
  /** Conversions listed per click; a click with more is a sender in a loop, not a use case. */
  static final int MAX_CONVERSIONS = 1000;
  /** Attempts found by scanning logs for a kcid that has no click to index them. */
  static final int MAX_SCANNED_ATTEMPTS = 100;
  /** Sampled unauthenticated refusals listed per click. */
  static final int MAX_UNAUTHENTICATED_ATTEMPTS = 20;
  /** No account keeps clicks longer than this, so an older missing click surely expired. */
  private static final Duration LONGEST_RETENTION = Retention.MAX_WINDOW.plus(Retention.MARGIN);

  private final KcidCodec codec;
  private final ClickStore clicks;
  private final ConversionStore conversions;
  private final PostbackLog log;
  private final PostbackHistory history;
  private final AccountDirectory accounts;
  private final Clock clock;

  public ClickExplainer(
      KcidCodec codec, ClickStore clicks, ConversionStore conversions, PostbackLog log,
      PostbackHistory history, AccountDirectory accounts, Clock clock) {
    this.clock = clock;
    this.codec = codec;
    this.clicks = clicks;
    this.conversions = conversions;
    this.log = log;
    this.history = history;
    this.accounts = accounts;
  }

  public CompletionStage<ExplainClickResponse> explain(ExplainClickRequest request) {
    Identifiers.required("kcid", request.getKcid());
    String account =
        request.getAccountId().isEmpty() ? "" : Identifiers.key("account_id", request.getAccountId());
    InspectKcidResponse diagnosis = KcidInspection.inspect(codec, request.getKcid());
    ExplainClickResponse.Builder response = ExplainClickResponse.newBuilder().setDiagnosis(diagnosis);
    if (!diagnosis.getValid()) {
      return scannedAttempts(account, request.getKcid())
          .thenApply(attempts -> response.addAllAttempts(attempts).build());
    }
    DecodedKcid kcid = codec.decode(request.getKcid());
    var click = clicks.find(kcid).toCompletableFuture();
    var converted = conversions.listForClick(kcid, 0, MAX_CONVERSIONS).toCompletableFuture();
    var attempts = log.attempts(kcid).toCompletableFuture();
    return CompletableFuture.allOf(click, converted, attempts)
        .thenCompose(
            x -> {
              Instant horizon = history.horizon();
              List<PostbackLogEntry> recent =
                  attempts.join().stream()
                      .filter(e -> !Instant.ofEpochSecond(e.getReceiveTime().getSeconds()).isBefore(horizon))
                      .toList();
              response.addAllConversions(converted.join()).addAllAttempts(recent);
              Optional<StoredClick> found = click.join();
              if (found.isPresent()) {
                // The click's owner's sample of unauthenticated refusals, for a sender with the wrong credentials.
                return history.refusalsForKcid(found.get().click().getAccountId(), kcid.kcid(), MAX_UNAUTHENTICATED_ATTEMPTS)
                    .thenApply(refused -> response.setClick(found.get().click()).addAllUnauthenticatedAttempts(refused).build());
              }
              return missing(kcid, owner(account, recent))
                  .thenApply(
                      why ->
                          response
                              .setClickMissingReason(why.reason())
                              .setClickMissingHint(why.getMessage())
                              .build());
            });
  }

  /** The account whose retention judges a missing click: the one named, else the attempts'. */
  private static String owner(String named, List<PostbackLogEntry> attempts) {
    if (!named.isEmpty()) {
      return named;
    }
    return attempts.stream().map(PostbackLogEntry::getAccountId).filter(a -> !a.isEmpty()).findFirst().orElse("");
  }

  /** CLICK_EXPIRED when the click is older than its account's retention, CLICK_NOT_FOUND otherwise. */
  private CompletionStage<KcidException> missing(DecodedKcid kcid, String account) {
    Duration age = Duration.between(kcid.issueTime(), clock.instant());
    if (account.isEmpty()) {
      return CompletableFuture.completedFuture(
          ClickErrors.missing(kcid, age.compareTo(LONGEST_RETENTION) > 0 ? LONGEST_RETENTION : null));
    }
    return accounts
        .get(account)
        .handle(
            (record, failure) -> {
              if (failure != null) {
                return ClickErrors.missing(kcid, null);
              }
              Duration retention = Retention.clickRetention(record.account());
              return ClickErrors.missing(kcid, age.compareTo(retention) > 0 ? retention : null);
            });
  }

  /** Logged attempts with a kcid that indexes no click: a bounded scan of the account's log and the unattributed one. */
  private CompletionStage<List<PostbackLogEntry>> scannedAttempts(String account, String kcid) {
    var unattributed = history.forKcid(PostbackLog.UNATTRIBUTED, kcid, MAX_SCANNED_ATTEMPTS).toCompletableFuture();
    var attributed =
        account.isEmpty()
            ? CompletableFuture.completedFuture(List.<PostbackLogEntry>of())
            : history.forKcid(account, kcid, MAX_SCANNED_ATTEMPTS).toCompletableFuture();
    return attributed.thenCombine(
        unattributed,
        (a, u) -> {
          List<PostbackLogEntry> all = new ArrayList<>(a);
          all.addAll(u);
          all.sort(Comparator.comparing((PostbackLogEntry e) -> e.getReceiveTime().getSeconds())
              .thenComparing(e -> e.getReceiveTime().getNanos()).reversed());
          return all.size() > MAX_SCANNED_ATTEMPTS ? all.subList(0, MAX_SCANNED_ATTEMPTS) : all;
        });
  }
}
