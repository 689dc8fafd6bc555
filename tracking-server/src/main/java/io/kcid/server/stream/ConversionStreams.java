package io.kcid.server.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.AckConversionEventsRequest;
import io.kcid.proto.tracking.v1.AckConversionEventsResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.GrpcErrors;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.ConversionEventLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * StreamConversions and AckConversionEvents.
 *
 * <p>Readers read with non-blocking XREAD / XREADGROUP on the shared connection, at once while
 * there is more. Idle, they wait for the log to signal an append when it can (a single Redis or
 * Sentinel: one XREAD BLOCK over every partition's stream, per server, on a connection of its own —
 * blocking commands must never share the connection the hot path uses), reading at most once per
 * KCID_STREAM_POLL_MS; otherwise (a Cluster, where a blocking XREAD can only wait on keys of one
 * hash slot, so a reader of P partitions would need P connections) they poll every
 * KCID_STREAM_POLL_MS: P small reads per interval per idle reader, delivered within one interval.
 */
public final class ConversionStreams implements AutoCloseable {
  static final Duration DEFAULT_CLAIM_IDLE = Duration.ofSeconds(60);
  private static final Duration MIN_CLAIM_IDLE = Duration.ofSeconds(1);
  private static final Duration MAX_CLAIM_IDLE = Duration.ofDays(1);
  static final int MAX_ACK = 1000;
  /**
   * Open streams per server: each idle one costs a read per partition per poll interval, so their
   * number is bounded; more consumers scale out over more server instances.
   */
  public static final int MAX_READERS = 256;
  private static final Pattern CONSUMER = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
  private static final Pattern EVENT_ID = Pattern.compile("([0-9]{1,4}):([0-9]{1,20}-[0-9]{1,20})");

  private final ConversionEventLog events;
  private final AccountDirectory accounts;
  private final Duration pollInterval;
  private final int maxReaders;
  private final ScheduledExecutorService timer;
  private final Set<StreamSession> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public ConversionStreams(ConversionEventLog events, AccountDirectory accounts, Duration pollInterval) {
    this(events, accounts, pollInterval, MAX_READERS);
  }

  ConversionStreams(ConversionEventLog events, AccountDirectory accounts, Duration pollInterval, int maxReaders) {
    this.events = events;
    this.accounts = accounts;
    this.pollInterval = pollInterval;
    this.maxReaders = maxReaders;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kcid-stream-poll");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The backlog of every consumer group, summed over partitions and account filters, by the
   * group's name as its consumers gave it (the account filter is left out: no account ids in
   * metrics). Lag is -1 when Redis does not report it (before Redis 7).
   */
  public CompletionStage<Map<String, ConversionEventLog.GroupBacklog>> groupBacklogs() {
    List<CompletableFuture<List<ConversionEventLog.GroupBacklog>>> reads = new ArrayList<>();
    for (int p = 0; p < events.partitions(); p++) {
      reads.add(events.groups(p).toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(x -> {
      Map<String, ConversionEventLog.GroupBacklog> byName = new java.util.TreeMap<>();
      for (CompletableFuture<List<ConversionEventLog.GroupBacklog>> read : reads) {
        for (ConversionEventLog.GroupBacklog g : read.join()) {
          String name = g.group().contains("|") ? g.group().substring(0, g.group().lastIndexOf('|')) : g.group();
          byName.merge(name, new ConversionEventLog.GroupBacklog(name, g.pending(), g.lag()), (a, b) ->
              new ConversionEventLog.GroupBacklog(name, a.pending() + b.pending(),
                  a.lag() < 0 || b.lag() < 0 ? -1 : a.lag() + b.lag()));
        }
      }
      return byName;
    });
  }

  /** Conversion streams this server serves now. */
  public int readers() {
    return open.size();
  }

  public void stream(StreamConversionsRequest request, StreamObserver<StreamConversionsResponse> observer) {
    var call = (ServerCallStreamObserver<StreamConversionsResponse>) observer;
    String account;
    StreamSession.Group group;
    StreamCursor cursor;
    try {
      account = request.getAccountId().isEmpty() ? "" : Identifiers.key("account_id", request.getAccountId());
      group = group(request, account);
      cursor = request.getCursor().isEmpty() ? null : StreamCursor.decode(request.getCursor(), events.partitions());
      if (closed) {
        throw shuttingDown();
      }
      if (open.size() >= maxReaders) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_RATE_LIMITED,
            "This server already serves " + maxReaders + " conversion streams; retry shortly or on another instance.");
      }
    } catch (RuntimeException e) {
      call.onError(GrpcErrors.toStatus(e));
      return;
    }
    StreamSession[] self = new StreamSession[1];
    StreamSession session =
        new StreamSession(call, events, timer, pollInterval, account, group, () -> open.remove(self[0]));
    self[0] = session;
    open.add(session);
    call.setOnCancelHandler(session::cancelled);
    call.setOnReadyHandler(session::drain);
    CompletionStage<?> checked =
        account.isEmpty() ? CompletableFuture.completedFuture(null) : accounts.get(account);
    checked
        .thenCompose(x -> startingPoint(request, group, cursor))
        .whenComplete(
            (start, failure) -> {
              if (failure != null) {
                session.fail(failure);
              } else {
                session.start(start);
              }
            });
  }

  /** Where a new session starts: the given cursor, the start, or the current end of each log. */
  private CompletionStage<StreamCursor> startingPoint(
      StreamConversionsRequest request, StreamSession.Group group, StreamCursor cursor) {
    int partitions = events.partitions();
    if (group != null) {
      List<CompletableFuture<Void>> created = new ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        created.add(events.createGroup(p, group.redisName(), group.fromStart()).toCompletableFuture());
      }
      return CompletableFuture.allOf(created.toArray(CompletableFuture[]::new)).thenApply(x -> null);
    }
    if (cursor != null) {
      return CompletableFuture.completedFuture(cursor);
    }
    StreamCursor start = StreamCursor.atStart(partitions);
    if (request.getFromStart()) {
      return CompletableFuture.completedFuture(start);
    }
    List<CompletableFuture<Void>> tails = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      int partition = p;
      tails.add(events.tail(p).thenAccept(t -> {
        synchronized (start) {
          start.move(partition, t.entryId(), t.sequence());
        }
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(tails.toArray(CompletableFuture[]::new)).thenApply(x -> start);
  }

  private static StreamSession.Group group(StreamConversionsRequest request, String account) {
    if (request.getConsumerGroup().isEmpty()) {
      if (!request.getConsumerName().isEmpty() || request.hasClaimIdle()) {
        throw Identifiers.invalid("consumer_group", "consumer_name and claim_idle need a consumer_group");
      }
      return null;
    }
    String name = Identifiers.key("consumer_group", request.getConsumerGroup());
    Identifiers.required("consumer_name", request.getConsumerName());
    if (!CONSUMER.matcher(request.getConsumerName()).matches()) {
      throw Identifiers.invalid("consumer_name", "consumer_name must match [A-Za-z0-9_.:-]{1,128}");
    }
    if (!request.getCursor().isEmpty()) {
      throw Identifiers.invalid("cursor", "a consumer group keeps its own position: pass no cursor with consumer_group");
    }
    Duration idle = DEFAULT_CLAIM_IDLE;
    if (request.hasClaimIdle()) {
      idle = Duration.ofSeconds(request.getClaimIdle().getSeconds(), request.getClaimIdle().getNanos());
      if (idle.compareTo(MIN_CLAIM_IDLE) < 0 || idle.compareTo(MAX_CLAIM_IDLE) > 0) {
        throw Identifiers.invalid("claim_idle", "claim_idle must lie between 1 s and 1 day");
      }
    }
    return new StreamSession.Group(redisGroup(name, account), request.getConsumerName(), idle, request.getFromStart());
  }

  /** A group is named by its name and account filter: consumers of one group see the same events. */
  private static String redisGroup(String name, String account) {
    return name + "|" + (account.isEmpty() ? "*" : account);
  }

  public CompletionStage<AckConversionEventsResponse> ack(AckConversionEventsRequest request) {
    String name = Identifiers.key("consumer_group", request.getConsumerGroup());
    String account = request.getAccountId().isEmpty() ? "" : Identifiers.key("account_id", request.getAccountId());
    if (request.getEventIdsCount() > MAX_ACK) {
      throw Identifiers.invalid("event_ids", "at most " + MAX_ACK + " event ids per call");
    }
    Map<Integer, List<String>> byPartition = new HashMap<>();
    for (String id : request.getEventIdsList()) {
      Matcher m = EVENT_ID.matcher(id);
      if (!m.matches() || Integer.parseInt(m.group(1)) >= events.partitions()) {
        throw Identifiers.invalid("event_ids", "'" + (id.length() > 64 ? id.substring(0, 64) : id)
            + "' is not an event_id of this deployment");
      }
      byPartition.computeIfAbsent(Integer.parseInt(m.group(1)), p -> new ArrayList<>()).add(m.group(2));
    }
    List<CompletableFuture<Long>> acks = new ArrayList<>();
    byPartition.forEach((p, ids) -> acks.add(events.ack(p, redisGroup(name, account), ids).toCompletableFuture()));
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
        .thenApply(x -> AckConversionEventsResponse.newBuilder()
            .setAcknowledged(acks.stream().mapToLong(CompletableFuture::join).sum())
            .build());
  }

  /** Ends every open stream with SHUTTING_DOWN so consumers reconnect elsewhere at once. */
  @Override
  public void close() {
    closed = true;
    for (StreamSession session : List.copyOf(open)) {
      session.fail(shuttingDown());
    }
    timer.shutdownNow();
  }

  private static KcidException shuttingDown() {
    return new KcidException(
        ErrorReason.ERROR_REASON_SHUTTING_DOWN,
        "The server is shutting down; reconnect and resume from your cursor.");
  }
}
