package io.kcid.server.delivery.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Idle HTTP/1.1 connections kept per origin (scheme, host as written in the URL, port) for the
 * next attempt to the same receiver: a connection costs a TCP handshake (and TLS) on both ends,
 * more than the request itself. A connection is kept only after a complete response that did not
 * ask to close; it is closed after {@link #idleFor} unused (below the 5 s idle timeout common
 * receivers use, so that a kept connection is rarely closed by the other end as it is reused) and
 * when the other end closes it. A new connection always goes through the guarded resolver: the
 * address check happens per connection, so a reused connection goes to an address checked when it
 * was opened. A connection is not kept past {@link #MAX_AGE} since it was opened, so that a
 * receiver that moved (its DNS answers another address now) is reached at its new address soon.
 */
final class KeptConnections {
  /** How long an unused connection is kept by default. */
  static final Duration IDLE = Duration.ofSeconds(4);
  /** Idle connections kept per origin, at most (a destination's concurrency is at most 256). */
  static final int PER_ORIGIN = 256;

  /** How long a connection is used at most, however busy. */
  static final Duration MAX_AGE = Duration.ofSeconds(60);

  private static final AttributeKey<ScheduledFuture<?>> EXPIRY = AttributeKey.valueOf("kcid.kept.expiry");
  private static final AttributeKey<Long> OPENED = AttributeKey.valueOf("kcid.kept.opened");
  /** When the connection was last kept (System.nanoTime). */
  private static final AttributeKey<Long> KEPT_AT = AttributeKey.valueOf("kcid.kept.at");

  private final Duration idleFor;
  private final Duration maxAge;
  private final ConcurrentMap<String, Deque<Channel>> idle = new ConcurrentHashMap<>();

  KeptConnections(Duration idleFor) {
    this(idleFor, MAX_AGE);
  }

  KeptConnections(Duration idleFor, Duration maxAge) {
    this.idleFor = idleFor;
    this.maxAge = maxAge;
  }

  static String origin(boolean https, String host, int port) {
    return (https ? "https://" : "http://") + host + ":" + port;
  }

  /** An open idle connection to {@code origin}, taken out of the pool; null when there is none. */
  Channel take(String origin) {
    Deque<Channel> channels = idle.get(origin);
    if (channels == null) {
      return null;
    }
    Channel ch;
    while ((ch = channels.pollLast()) != null) { // the most recently used: the least likely to be closed
      if (ch.isActive()) {
        return ch;
      }
    }
    return null;
  }

  /** Keeps {@code ch} for the next attempt to {@code origin}, or closes it when the pool is full. */
  void keep(String origin, Channel ch) {
    if (!ch.isActive()) {
      return;
    }
    Long opened = ch.attr(OPENED).get();
    if (opened != null && System.nanoTime() - opened >= maxAge.toNanos()) {
      ch.close();
      return;
    }
    Deque<Channel> channels = idle.computeIfAbsent(origin, o -> new ConcurrentLinkedDeque<>());
    if (channels.size() >= PER_ORIGIN) {
      ch.close();
      return;
    }
    ch.attr(KEPT_AT).set(System.nanoTime());
    channels.addLast(ch);
    if (ch.attr(EXPIRY).get() == null) {
      expireLater(channels, ch, idleFor.toNanos());
    }
  }

  /**
   * One idle check per connection, on its event loop, instead of a timer set when it is kept and
   * cancelled when it is taken (two cross-thread tasks per attempt, each waking an event loop):
   * when it runs, a connection idle for the keep time is closed, one in use or kept since is
   * checked again when its keep time would end. Keeping also runs on the connection's event loop,
   * so only a take (which removes it from the pool first) can come between the check and the
   * removal, and a connection taken meanwhile is never closed.
   */
  private void expireLater(Deque<Channel> channels, Channel ch, long delayNanos) {
    ch.attr(EXPIRY).set(ch.eventLoop().schedule(() -> {
      if (!ch.isActive()) {
        return;
      }
      long idleNanos = System.nanoTime() - ch.attr(KEPT_AT).get();
      if (idleNanos >= idleFor.toNanos() && channels.remove(ch)) {
        ch.close();
      } else {
        expireLater(channels, ch, Math.max(idleFor.toNanos() - idleNanos, idleFor.toNanos() / 4));
      }
    }, delayNanos, TimeUnit.NANOSECONDS));
  }

  /** Called once per new connection: closed by the other end while idle, it leaves the pool. */
  void watch(String origin, Channel ch) {
    ch.attr(OPENED).set(System.nanoTime());
    ch.closeFuture().addListener(f -> {
      Deque<Channel> channels = idle.get(origin);
      if (channels != null) {
        channels.remove(ch);
      }
    });
  }

  /** Idle connections kept now, over all origins. */
  int idleCount() {
    return idle.values().stream().mapToInt(Deque::size).sum();
  }

  /** Closes every idle connection. */
  void closeAll() {
    idle.values().forEach(channels -> {
      Channel ch;
      while ((ch = channels.poll()) != null) {
        ch.close();
      }
    });
  }
}
