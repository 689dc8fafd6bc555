package io.kcid.edge.spool;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ClickSecret;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounts' click secrets, held in memory so the edge can verify a signed click URL on its own
 * while no tracking-server answers. Kept current by a {@code ClickService.WatchClickVerifiers}
 * stream (a new account or a rotated secret arrives about a second after it is stored; see {@link
 * VerifierWatcher}), read in full from {@code ClickService.ListClickVerifiers} whenever a watch
 * (re)connects and every refresh interval as the fallback; a failed refresh keeps the last good
 * copy. Never written to disk or logged.
 *
 * <p>Each refresh also checks that the tracking-server accepts the kcids this edge mints (same key
 * ring, same partition count): if it does not, the edge stops minting, and clicks fall back to
 * server-minted kcids (and to 503 while the server is away) instead of being refused.
 */
public final class ClickVerifiers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClickVerifiers.class);
  private static final int PAGE_SIZE = 1000;
  /** Bounds a refresh that pages forever (a server bug): far more accounts than one edge serves. */
  private static final int MAX_PAGES = 10_000;

  /** One account's verifiers. */
  public record AccountVerifier(String kcidParameter, List<ClickSecret> secrets) {
    /** Whether {@code signature} signs {@code canonicalQuery} with a secret valid at {@code now}. */
    public boolean verifies(String canonicalQuery, String signature, Instant now) {
      boolean valid = false;
      for (ClickSecret secret : secrets) {
        boolean current = !secret.hasExpireTime() || now.getEpochSecond() < secret.getExpireTime().getSeconds();
        // Every secret is checked, valid or not, so timing says nothing about which one matched.
        valid |= ClickUrlSigner.verify(secret.getSecret(), canonicalQuery, signature) && current;
      }
      return valid;
    }
  }

  private final ClickServiceGrpc.ClickServiceBlockingStub stub;
  private final KcidCodec codec;
  private final int partitions;
  private final Duration refresh;
  private final Duration deadline;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private volatile Map<String, AccountVerifier> byAccount = Map.of();
  private volatile boolean loaded;
  private volatile boolean mintAccepted = true;
  /** The last outcome of the shared-keys check, logged when it changes. */
  private volatile String keyCheck = "";
  private final VerifierWatcher watcher;

  public ClickVerifiers(Channel channel, KcidCodec codec, int partitions, Duration refresh, Duration deadline, Clock clock) {
    this.stub = ClickServiceGrpc.newBlockingStub(channel);
    this.codec = codec;
    this.partitions = partitions;
    this.refresh = refresh;
    this.deadline = deadline;
    this.clock = clock;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "kcid-edge-click-verifiers");
              thread.setDaemon(true);
              return thread;
            });
    this.watcher =
        new VerifierWatcher(
            channel,
            scheduler,
            new VerifierWatcher.Listener() {
              @Override
              public void resync() {
                resyncUntilListed();
              }

              @Override
              public void changed(WatchClickVerifiersResponse change) {
                apply(change.getVerifiersList());
              }
            });
  }

  /** Loads now (in the background), then every refresh interval; watches changes in between. */
  public void start() {
    scheduler.scheduleWithFixedDelay(this::refreshOnce, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    watcher.start();
  }

  /** Whether a change watch is open now (changes then arrive within about a second). */
  public boolean watching() {
    return watcher.connected();
  }

  /**
   * The full list after a watch (re)connected: what changed while no watch was open. Retried every
   * second until it succeeds (or the watch reconnects, which asks again), not left to the slow refresh.
   */
  private void resyncUntilListed() {
    if (!refreshOnce() && watcher.connected()) {
      scheduler.schedule(this::resyncUntilListed, 1, TimeUnit.SECONDS);
    }
  }

  /** Replaces the verifiers of the changed accounts. Runs on the scheduler thread, like refreshes. */
  private void apply(List<ClickVerifier> changed) {
    if (changed.isEmpty()) {
      return;
    }
    Map<String, AccountVerifier> next = new HashMap<>(byAccount);
    for (ClickVerifier verifier : changed) {
      next.put(verifier.getAccountId(), new AccountVerifier(verifier.getKcidParameter(), List.copyOf(verifier.getSecretsList())));
    }
    byAccount = Map.copyOf(next);
    log.debug("click verifiers of {} account(s) changed", changed.size());
  }

  public Optional<AccountVerifier> forAccount(String accountId) {
    return Optional.ofNullable(byAccount.get(accountId));
  }

  /** How many accounts' secrets are held. */
  public int accounts() {
    return byAccount.size();
  }

  /** Whether at least one refresh succeeded since start. */
  public boolean loaded() {
    return loaded;
  }

  /** False once the tracking-server refused a kcid minted here (other keys or partitions). */
  public boolean mintAccepted() {
    return mintAccepted;
  }

  /** The tracking-server refused a kcid minted here: stop minting until a refresh proves otherwise. */
  public void mintRejected(String reason) {
    if (mintAccepted) {
      log.error(
          "tracking-server refused a kcid minted by this edge ({}): KCID_MAC_KEYS, KCID_MAC_ACTIVE_KEY and"
              + " KCID_PARTITIONS must match the tracking-server's; clicks are no longer spooled",
          reason);
    }
    mintAccepted = false;
  }

  /** Reads every account's verifiers; false when that failed (the last good copy is kept). */
  boolean refreshOnce() {
    int serverPartitions;
    try {
      Map<String, AccountVerifier> fresh = new HashMap<>();
      String token = "";
      int pages = 0;
      ListClickVerifiersResponse page;
      do {
        page =
            stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .listClickVerifiers(
                    ListClickVerifiersRequest.newBuilder().setPageSize(PAGE_SIZE).setPageToken(token).build());
        for (ClickVerifier verifier : page.getVerifiersList()) {
          fresh.put(verifier.getAccountId(), new AccountVerifier(verifier.getKcidParameter(), List.copyOf(verifier.getSecretsList())));
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty() && ++pages < MAX_PAGES);
      byAccount = Map.copyOf(fresh);
      loaded = true;
      serverPartitions = page.getPartitions();
    } catch (StatusRuntimeException e) {
      log.debug("click verifiers not refreshed: {}", e.getStatus().getCode());
      keyCheckCouldNotRun(e);
      return false;
    } catch (RuntimeException e) {
      log.error("click verifiers not refreshed", e);
      return false;
    }
    try {
      checkMinting(serverPartitions);
    } catch (StatusRuntimeException e) {
      keyCheckCouldNotRun(e);
    } catch (RuntimeException e) {
      log.error("minting not checked", e);
    }
    return true;
  }

  /** Asks the server to diagnose a kcid minted here: the proof that both sides share keys and partitions. */
  private void checkMinting(int serverPartitions) {
    if (serverPartitions != partitions) {
      keyCheck = "mismatch";
      mintRejected("KCID_PARTITIONS is " + partitions + " here but " + serverPartitions + " on the tracking-server");
      return;
    }
    InspectKcidResponse inspected;
    try {
      inspected =
          stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
              .inspectKcid(InspectKcidRequest.newBuilder().setKcid(codec.mintRandomPartition(clock.instant())).build());
    } catch (StatusRuntimeException e) {
      keyCheckCouldNotRun(e);
      return;
    }
    if (inspected.getValid()) {
      if (!keyCheck.equals("passed")) {
        log.info("kcid key check passed: the tracking-server accepts this edge's kcids (same MAC keys, {} partitions);"
            + " clicks are spooled when it is away", partitions);
      }
      keyCheck = "passed";
      mintAccepted = true;
    } else {
      keyCheck = "mismatch";
      mintRejected(ErrorReasons.shortName(inspected.getReason()));
    }
  }

  /** The shared-keys check could not ask the server: said once per cause, with the cause. */
  private void keyCheckCouldNotRun(StatusRuntimeException e) {
    if (scheduler.isShutdown() || e.getStatus().getCode() == io.grpc.Status.Code.CANCELLED) {
      return; // the edge is closing
    }
    var keyRefused = io.kcid.edge.grpc.BackendErrors.keyRefusal(e);
    String why = e.getStatus().getCode() + (keyRefused == null ? "" : " " + ErrorReasons.shortName(keyRefused));
    if (!keyCheck.equals("could not run: " + why)) {
      keyCheck = "could not run: " + why;
      log.warn("kcid key check could not run ({}): whether the tracking-server accepts this edge's kcids is unverified{}",
          why, keyRefused == null ? "; retried at every refresh"
              : "; KCID_EDGE_API_KEY must be a key the tracking-server knows, with the issue and ingest roles");
    }
  }

  @Override
  public void close() {
    watcher.close();
    scheduler.shutdownNow();
  }
}
