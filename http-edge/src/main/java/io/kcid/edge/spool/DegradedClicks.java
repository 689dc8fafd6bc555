package io.kcid.edge.spool;

import io.kcid.core.KcidException;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.click.Destinations;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.edge.click.RedirectGuard;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Responses;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps clicks working while the tracking-server is down, slow or restarting.
 *
 * <p>The edge mints every click's kcid itself (with the deployment's key ring) and sends it with
 * IssueClick, so a click the server stored late and the same click replayed from the spool are one
 * click. When the server's answer is unknown (unreachable, late, shedding), the edge redirects on its
 * own, but only what it can prove the account signed: the signature is verified with the account's
 * click secret (held in memory, see {@link ClickVerifiers}), the destination with the same rules the
 * server applies, and the click is on disk in the spool before the 302 leaves. A click it cannot
 * verify or cannot spool is answered 503 — never an unverified redirect, never a silent loss.
 */
public final class DegradedClicks {
  private static final String UNAVAILABLE =
      "The tracking backend is unavailable and this click could not be verified and kept by the edge; retry shortly.";
  /** Mirrors the server's limit on campaign, creative, placement and sub ids (Identifiers.freeText). */
  private static final int MAX_FREE_TEXT = 256;

  private final KcidCodec codec;
  private final ClickVerifiers verifiers;
  private final ClickSpool spool;
  private final SpoolMetrics metrics;
  private final Duration deadline;
  private final Clock clock;

  public DegradedClicks(
      KcidCodec codec, ClickVerifiers verifiers, ClickSpool spool, SpoolMetrics metrics, Duration deadline, Clock clock) {
    this.codec = codec;
    this.verifiers = verifiers;
    this.spool = spool;
    this.metrics = metrics;
    this.deadline = deadline;
    this.clock = clock;
  }

  /** How long a click waits for the tracking-server before the edge answers it on its own. */
  public Duration deadline() {
    return deadline;
  }

  /** The click with a kcid minted here, unless the tracking-server refused this edge's kcids. */
  public IssueClickRequest preMint(IssueClickRequest click) {
    return verifiers.mintAccepted() ? click.toBuilder().setKcid(codec.mintRandomPartition(clock.instant())).build() : click;
  }

  /** The tracking-server refused a kcid minted here (reason): stop minting. */
  public void mintRejected(String reason) {
    verifiers.mintRejected(reason);
  }

  /** Whether the edge can answer clicks on its own right now: secrets loaded, keys accepted, room left. */
  public boolean ready() {
    return verifiers.loaded() && verifiers.mintAccepted() && spool.hasRoom();
  }

  /**
   * Redirects a click without the tracking-server: verify, spool durably, then 302. The future never
   * fails; refusals are responses.
   */
  public CompletableFuture<EdgeResponse> redirect(IssueClickRequest click, Responses responses) {
    if (click.getKcid().isEmpty()) {
      return refuse("keys_rejected", responses);
    }
    Optional<ClickVerifiers.AccountVerifier> verifier = verifiers.forAccount(click.getAccountId());
    if (verifier.isEmpty()) {
      return refuse(verifiers.loaded() ? "unknown_account" : "no_verifiers", responses);
    }
    String canonical;
    try {
      canonical = canonicalQuery(click);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(
          responses.rejected(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "The click URL holds text that is not valid Unicode."));
    }
    if (!verifier.get().verifies(canonical, click.getClickSignature(), clock.instant())) {
      // Tampered, or signed with a secret newer than this edge's copy: either way not provable here.
      return refuse("unverified", responses);
    }
    String location;
    try {
      Destinations.validate(click.getDestinationUrl());
      checkFreeText(click);
      String parameter = verifier.get().kcidParameter().isEmpty() ? "kcid" : verifier.get().kcidParameter();
      location =
          RedirectGuard.safeLocation(Destinations.withKcid(click.getDestinationUrl(), click.getKcid(), parameter))
              .orElseThrow(() -> new KcidException(ErrorReason.ERROR_REASON_DESTINATION_INVALID, "The destination URL cannot be redirected to."));
    } catch (KcidException e) {
      return CompletableFuture.completedFuture(responses.rejected(e.reason(), e.getMessage()));
    }
    return spool
        .append(click)
        .handle(
            (ok, failure) -> {
              if (failure != null) {
                metrics.notSpooled("spool_unavailable");
                return responses.rejected(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, UNAVAILABLE);
              }
              metrics.spooled();
              return Responses.redirect(location);
            });
  }

  private CompletableFuture<EdgeResponse> refuse(String cause, Responses responses) {
    metrics.notSpooled(cause);
    return CompletableFuture.completedFuture(responses.rejected(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, UNAVAILABLE));
  }

  /** The canonical query the server verifies: the same fields, in the same form (see ClickIssuer). */
  static String canonicalQuery(IssueClickRequest click) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", click.getAccountId());
    params.put("c", click.getCampaignId());
    params.put("cr", click.getCreativeId());
    params.put("p", click.getPlacementId());
    params.putAll(click.getSubIdsMap());
    params.put("u", click.getDestinationUrl());
    return ClickUrlSigner.canonicalQuery(params);
  }

  /** What the server refuses in these fields, refused here too, so a spooled click is one it will store. */
  private static void checkFreeText(IssueClickRequest click) {
    checkFreeText("campaign_id", click.getCampaignId());
    checkFreeText("creative_id", click.getCreativeId());
    checkFreeText("placement_id", click.getPlacementId());
    click.getSubIdsMap().forEach(DegradedClicks::checkFreeText);
  }

  private static void checkFreeText(String field, String value) {
    if (value.length() > MAX_FREE_TEXT) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER, field + " is longer than " + MAX_FREE_TEXT + " characters", Map.of("field", field));
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER, field + " contains a control character at position " + i, Map.of("field", field));
      }
    }
  }
}
