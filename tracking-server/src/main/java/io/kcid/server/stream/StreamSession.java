package io.kcid.server.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.server.common.GrpcErrors;
import io.kcid.server.store.ConversionEventLog.Entry;
import io.kcid.server.store.ConversionEventLog;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One StreamConversions call: reads every partition's log, queues what it read and writes it to
 * the call only while the call is ready (gRPC flow control), reading again only once the queue is
 * empty — so a slow consumer holds at most one batch per partition in memory, and back-pressure
 * reaches Redis as fewer reads. Once it has read everything, it polls again after
 * KCID_STREAM_POLL_MS, or, when the log signals appends, waits for one (reading again at most once
 * per KCID_STREAM_POLL_MS, and unasked every {@link #IDLE_RECHECK_NANOS} or at a group's next claim).
 *
 * <p>Without a group, the session keeps a {@link StreamCursor} and attaches it to every message.
 * With a group, Redis keeps the position: the consumer's own pending entries are delivered first,
 * then new ones; entries other consumers left unacknowledged longer than claim_idle are taken over.
 *
 * <p>All state is guarded by {@code this}; calls come from the gRPC transport (ready, cancel),
 * Lettuce callbacks and the poll timer.
 */
final class StreamSession {
  private static final Logger log = LoggerFactory.getLogger(StreamSession.class);
  /** Entries read per partition and poll. */
  static final int BATCH = 100;
  /** How often a reader whose filter passes over other accounts' events still gets a cursor. */
  private static final long CURSOR_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * An idle reader of a log that signals appends reads again unasked this often: a safety net, the
   * signal is what normally wakes it.
   */
  static final long IDLE_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Consumer-group mode: Redis group name (group and account filter), consumer, take-over idle time. */
  record Group(String redisName, String consumer, Duration claimIdle, boolean fromStart) {}

  private enum Kind { CURSOR, PENDING, NEW, CLAIM }

  /**
   * What one read returned. {@code trimmed}: events right after the cursor were trimmed from the
   * log (the first entry is not the next in sequence, and the next lies below the trim horizon).
   */
  private record Read(int partition, Kind kind, List<Entry> entries, String nextClaimStart, boolean trimmed) {
    Read(int partition, Kind kind, List<Entry> entries, String nextClaimStart) {
      this(partition, kind, entries, nextClaimStart, false);
    }
  }

  private final ServerCallStreamObserver<StreamConversionsResponse> call;
  private final ConversionEventLog events;
  private final ScheduledExecutorService timer;
  private final long pollNanos;
  private final String account;
  private final Group group;
  private final Runnable onClose;
  private final int partitions;

  private StreamCursor cursor;
  /** Group mode: where each partition's own pending entries continue; null once drained. */
  private final String[] pendingFrom;
  private final String[] claimFrom;
  private long nextClaimNanos;

  private final ArrayDeque<StreamConversionsResponse> outbox = new ArrayDeque<>();
  private boolean started;
  private boolean polling;
  private boolean readAgainNow;
  private boolean closed;
  private long lastMessageNanos;
  private ScheduledFuture<?> scheduled;
  /** Counts scheduled reads, so a late append signal cannot move a later one. */
  private long round;
  /** The log's append mark taken when the last read started, and when that was. */
  private long readMark;
  private long lastReadNanos;

  StreamSession(
      ServerCallStreamObserver<StreamConversionsResponse> call,
      ConversionEventLog events,
      ScheduledExecutorService timer,
      Duration pollInterval,
      String account,
      Group group,
      Runnable onClose) {
    this.call = call;
    this.events = events;
    this.timer = timer;
    this.pollNanos = pollInterval.toNanos();
    this.account = account;
    this.group = group;
    this.onClose = onClose;
    this.partitions = events.partitions();
    this.pendingFrom = new String[partitions];
    this.claimFrom = new String[partitions];
    for (int p = 0; p < partitions; p++) {
      pendingFrom[p] = StreamCursor.START;
      claimFrom[p] = StreamCursor.START;
    }
    long now = System.nanoTime();
    this.nextClaimNanos = now;
    this.lastReadNanos = now - pollNanos;
    this.lastMessageNanos = now - CURSOR_EVERY_NANOS;
  }

  /** Starts delivering: the first message (no event) confirms the subscription. */
  synchronized void start(StreamCursor initial) {
    if (closed) {
      return;
    }
    cursor = initial;
    started = true;
    // A reader that waits for appends reads what is there first (a cursor or from_start's backlog).
    readAgainNow = events.signalsAppends();
    outbox.add(StreamConversionsResponse.newBuilder().setCursor(cursorText()).build());
    drain();
  }

  /** Writes queued messages while the call is ready; reads again once everything went out. */
  synchronized void drain() {
    if (closed || !started) {
      return;
    }
    while (!outbox.isEmpty() && call.isReady()) {
      call.onNext(outbox.poll());
      lastMessageNanos = System.nanoTime();
    }
    if (outbox.isEmpty() && !polling) {
      polling = true;
      round++;
      // Idle: poll every KCID_STREAM_POLL_MS, or wait for the log to signal an append.
      boolean wait = !readAgainNow && events.signalsAppends();
      long delay = readAgainNow ? 0 : wait ? idleRecheckNanos() : pollNanos;
      if (schedule(delay) && wait) {
        long thisRound = round;
        events.appendedSince(readMark).thenRun(() -> appended(thisRound));
      }
    }
  }

  private boolean schedule(long delayNanos) {
    try {
      scheduled = timer.schedule(this::poll, delayNanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (java.util.concurrent.RejectedExecutionException e) {
      fail(new KcidException(ErrorReason.ERROR_REASON_SHUTTING_DOWN, "The server is shutting down; reconnect and resume."));
      return false;
    }
  }

  /** Unasked re-reads of an idle reader: the safety net, or sooner a group's next claim. */
  private long idleRecheckNanos() {
    long recheck = IDLE_RECHECK_NANOS;
    if (group != null) {
      recheck = Math.min(recheck, nextClaimNanos - System.nanoTime());
    }
    return Math.max(recheck, pollNanos);
  }

  /**
   * Something was appended since the last read: read now, though at most once per
   * KCID_STREAM_POLL_MS (under steady traffic idle readers read as often as they polled).
   */
  private synchronized void appended(long signalledRound) {
    if (closed || !polling || signalledRound != round || !scheduled.cancel(false)) {
      return; // over, or that read is under way already
    }
    schedule(Math.max(0, lastReadNanos + pollNanos - System.nanoTime()));
  }

  synchronized void cancelled() {
    close();
  }

  /** Ends the call with the failure's status (store trouble, a trimmed cursor, shutdown). */
  synchronized void fail(Throwable failure) {
    if (closed) {
      return;
    }
    close();
    call.onError(GrpcErrors.toStatus(failure));
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    onClose.run();
  }

  private void poll() {
    List<CompletableFuture<Read>> reads = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      readMark = events.appendMark();
      lastReadNanos = System.nanoTime();
      boolean claim = group != null && System.nanoTime() - nextClaimNanos >= 0;
      if (claim) {
        long every = Math.min(Math.max(group.claimIdle().toNanos() / 2, pollNanos), TimeUnit.SECONDS.toNanos(10));
        nextClaimNanos = System.nanoTime() + every;
      }
      for (int p = 0; p < partitions; p++) {
        int partition = p;
        if (group == null) {
          long expected = cursor.sequence(p) < 0 ? -1 : cursor.sequence(p) + 1;
          reads.add(events.read(p, cursor.entryId(p), BATCH)
              .thenCompose(list -> checkTrimmed(partition, expected, list)).toCompletableFuture());
        } else if (pendingFrom[p] != null) {
          reads.add(events.readPending(p, group.redisName(), group.consumer(), pendingFrom[p], BATCH)
              .thenApply(list -> new Read(partition, Kind.PENDING, list, null)).toCompletableFuture());
        } else {
          reads.add(events.readNew(p, group.redisName(), group.consumer(), BATCH)
              .thenApply(list -> new Read(partition, Kind.NEW, list, null)).toCompletableFuture());
        }
        // Claims only once the consumer's own pending entries are back: they would be claimed too.
        if (claim && pendingFrom[p] == null) {
          reads.add(events.claim(p, group.redisName(), group.consumer(), group.claimIdle(), claimFrom[p], BATCH)
              .thenApply(c -> new Read(partition, Kind.CLAIM, c.entries(), c.nextStartId())).toCompletableFuture());
        }
      }
    }
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                fail(failure);
              } else {
                received(reads.stream().map(CompletableFuture::join).toList());
              }
            });
  }

  /**
   * A read whose first entry does not carry the next sequence number follows either events that
   * were trimmed (the next number lies below the trim horizon: a loss to report) or entries deleted
   * one by one (XDEL, e.g. with their click), which are no loss.
   */
  private java.util.concurrent.CompletionStage<Read> checkTrimmed(int partition, long expected, List<Entry> list) {
    if (list.isEmpty() || expected < 0 || list.get(0).sequence() < 0 || list.get(0).sequence() == expected) {
      return CompletableFuture.completedFuture(new Read(partition, Kind.CURSOR, list, null));
    }
    return events.trimHorizon(partition)
        .thenApply(horizon -> new Read(partition, Kind.CURSOR, list, null, expected < horizon));
  }

  private synchronized void received(List<Read> reads) {
    if (closed) {
      return;
    }
    boolean more = false;
    boolean passedOver = false;
    java.util.Set<String> seen = new java.util.HashSet<>();
    List<List<String>> toAck = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      toAck.add(new ArrayList<>());
    }
    for (Read read : reads) {
      int p = read.partition();
      more |= read.entries().size() >= BATCH;
      if (read.kind() == Kind.PENDING) {
        // Own pending entries come back until none is left, then new ones follow.
        pendingFrom[p] = read.entries().isEmpty() ? null : read.entries().get(read.entries().size() - 1).entryId();
        more |= !read.entries().isEmpty();
      } else if (read.kind() == Kind.CLAIM) {
        claimFrom[p] = read.nextClaimStart();
      }
      if (read.trimmed()) {
        trimmed(p, read.entries().get(0).sequence() - cursor.sequence(p) - 1);
        return;
      }
      for (Entry entry : read.entries()) {
        if (group == null) {
          cursor.move(p, entry.entryId(), entry.sequence());
        }
        if (group != null && !seen.add(p + ":" + entry.entryId())) {
          continue; // read and claimed in the same round
        }
        ConversionEvent event = entry.event();
        if (event == null) {
          // Only a group's pending list can name an entry the stream no longer holds.
          log.warn("stream entry {}:{} was trimmed before consumer group {} acknowledged it",
              p, entry.entryId(), group == null ? "-" : group.redisName());
          toAck.get(p).add(entry.entryId());
        } else if (!account.isEmpty() && !account.equals(event.getAccountId())) {
          passedOver = true;
          if (group != null) {
            toAck.get(p).add(entry.entryId()); // another account's: not this group's work
          }
        } else {
          outbox.add(StreamConversionsResponse.newBuilder().setEvent(event).setCursor(cursorText()).build());
        }
      }
    }
    if (group != null) {
      for (int p = 0; p < partitions; p++) {
        if (!toAck.get(p).isEmpty()) {
          int partition = p;
          // Not fatal: an entry left pending comes back later and is passed over again.
          events.ack(p, group.redisName(), toAck.get(p)).whenComplete((n, failure) -> {
            if (failure != null) {
              log.debug("could not acknowledge passed-over entries of partition {}: {}", partition, failure.toString());
            }
          });
        }
      }
    }
    if (passedOver && outbox.isEmpty() && group == null
        && System.nanoTime() - lastMessageNanos >= CURSOR_EVERY_NANOS) {
      outbox.add(StreamConversionsResponse.newBuilder().setCursor(cursorText()).build());
    }
    polling = false;
    readAgainNow = more;
    drain();
  }

  private void trimmed(int p, long missed) {
    fail(new KcidException(
        ErrorReason.ERROR_REASON_STREAM_CURSOR_EXPIRED,
        missed + " event(s) of partition " + p + " after the cursor were trimmed from the stream"
            + " (it keeps about KCID_STREAM_MAX_LENGTH events per partition). Start again without a"
            + " cursor (from_start) and reconcile with GetStats or ListConversions.",
        Map.of("partition", Integer.toString(p), "missedEvents", Long.toString(missed))));
  }

  private String cursorText() {
    return group == null ? cursor.encode() : "";
  }
}
