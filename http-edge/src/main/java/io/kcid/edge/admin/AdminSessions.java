package io.kcid.edge.admin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The web view's sessions, kept in the edge's memory: the cookie holds only a random session id
 * (256 bits); the entry holds the key the human signed in with, so every call the view makes for
 * the session carries that key and the tracking-server decides what it may read. Entries are found
 * by the SHA-256 of the id, so a lookup's timing says nothing about the ids held. At most
 * {@code maxSessions} live at once: a new one beyond that replaces the one closest to expiry. A
 * restarted edge forgets every session (its humans sign in again).
 */
final class AdminSessions {
  static final Duration TTL = Duration.ofHours(8);
  static final int MAX_SESSIONS = 10_000;

  /**
   * A signed-in human: the key calls are made with, who it is, until when, the anti-forgery token
   * its forms carry ({@link CsrfGuard}), and the one message the next page shows after an action
   * (post, redirect, get).
   */
  record Session(String key, AdminCaller caller, long expiresAtMillis, String csrfToken, AtomicReference<String> flash) {
    @Override
    public String toString() {
      return "Session[" + caller.describe() + "]"; // never the key nor the token
    }

    /** The message left by the last action, once: reading it clears it. */
    String takeFlash() {
      return flash.getAndSet(null);
    }
  }

  private final Clock clock;
  private final int maxSessions;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  AdminSessions(Clock clock, int maxSessions) {
    this.clock = clock;
    this.maxSessions = maxSessions;
  }

  /** Starts a session of {@code key}; returns the id the cookie carries. */
  String start(String key, AdminCaller caller) {
    long now = clock.millis();
    if (sessions.size() >= maxSessions) {
      sessions.values().removeIf(s -> s.expiresAtMillis() <= now);
    }
    while (sessions.size() >= maxSessions) {
      sessions.entrySet().stream().min(Map.Entry.comparingByValue(java.util.Comparator.comparingLong(Session::expiresAtMillis)))
          .ifPresent(oldest -> sessions.remove(oldest.getKey()));
    }
    String id = CsrfGuard.newToken(); // the same 256 random bits, URL-safe
    sessions.put(digest(id), new Session(key, caller, now + TTL.toMillis(), CsrfGuard.newToken(), new AtomicReference<>()));
    return id;
  }

  /** The live session of a cookie's id, or null (none, unknown, or expired: then it is dropped). */
  Session find(String id) {
    if (id == null || id.isEmpty() || id.length() > 100) {
      return null;
    }
    String digest = digest(id);
    Session session = sessions.get(digest);
    if (session == null) {
      return null;
    }
    if (session.expiresAtMillis() <= clock.millis()) {
      sessions.remove(digest);
      return null;
    }
    return session;
  }

  /** Signs the session out; an unknown id is ignored. */
  void end(String id) {
    if (id != null && !id.isEmpty() && id.length() <= 100) {
      sessions.remove(digest(id));
    }
  }

  int size() {
    return sessions.size();
  }

  private static String digest(String id) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
