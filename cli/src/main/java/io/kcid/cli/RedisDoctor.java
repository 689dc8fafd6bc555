package io.kcid.cli;

import io.kcid.server.store.redis.RedisConnector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The checks of {@code ./kcid doctor} that look at Redis directly (the tracking-server does not
 * report its store's settings): reachable, mode and role, persistence, and its clock against ours.
 */
final class RedisDoctor {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final String DEPLOYMENT_DOC = "see docs/DEPLOYMENT.md";

  private RedisDoctor() {}

  /** The findings about the Redis at {@code url} (any form KCID_REDIS_URL takes). */
  static List<DoctorFinding> check(String url) {
    List<DoctorFinding> findings = new ArrayList<>();
    if (!anyHostAnswers(url)) {
      findings.add(DoctorFinding.fail("redis", "nothing accepts connections at " + redacted(url),
          "start Redis, or check the URL's hosts and ports and the firewall; the tracking-server uses the same KCID_REDIS_URL"));
      return findings;
    }
    RedisConnector redis;
    try {
      redis = RedisConnector.connect(url, TIMEOUT, 100);
    } catch (RuntimeException e) {
      findings.add(DoctorFinding.fail("redis", "cannot connect to " + redacted(url) + ": " + e.getMessage(),
          "check the URL, password and firewall; the tracking-server uses the same KCID_REDIS_URL"));
      return findings;
    }
    try (redis) {
      findings.add(mode(redis));
      findings.add(persistence(redis));
      findings.add(clock(redis));
    } catch (Exception e) {
      findings.add(DoctorFinding.fail("redis", "connected to " + redacted(url) + " but a read failed: " + e.getMessage(),
          "check that this user may run INFO and TIME"));
    }
    return findings;
  }

  private static DoctorFinding mode(RedisConnector redis) throws Exception {
    Map<String, String> server = info(redis, "server");
    Map<String, String> replication = info(redis, "replication");
    boolean cluster = "1".equals(info(redis, "cluster").get("cluster_enabled"));
    String role = replication.getOrDefault("role", "?");
    String finding = (cluster ? "cluster" : server.getOrDefault("redis_mode", "standalone"))
        + ", Redis " + server.getOrDefault("redis_version", "?") + ", role " + role
        + ", " + replication.getOrDefault("connected_slaves", "0") + " replica(s)";
    if (!role.equals("master")) {
      return DoctorFinding.fail("redis mode", finding,
          "KCID_REDIS_URL points at a replica, which refuses writes: point it at the primary, or use"
              + " redis-sentinel://…#master so failovers are followed");
    }
    return DoctorFinding.ok("redis mode", finding);
  }

  private static DoctorFinding persistence(RedisConnector redis) throws Exception {
    boolean aof = "1".equals(info(redis, "persistence").get("aof_enabled"));
    String fsync;
    try {
      fsync = redis.commands().configGet("appendfsync").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .getOrDefault("appendfsync", "?");
    } catch (Exception refused) {
      fsync = "?";
    }
    String finding = "appendonly " + (aof ? "yes" : "no") + ", appendfsync " + (fsync.equals("?") ? "unknown (CONFIG GET refused)" : fsync);
    if (!aof) {
      return DoctorFinding.warn("redis persistence", finding,
          "a Redis restart loses every click and conversion since its last snapshot: set appendonly yes"
              + " and appendfsync always (or everysec), " + DEPLOYMENT_DOC);
    }
    return switch (fsync) {
      case "always" -> DoctorFinding.ok("redis persistence", finding + ": nothing acknowledged is lost on a crash");
      case "everysec" -> DoctorFinding.ok("redis persistence", finding + ": a host crash may lose about the last second");
      case "?" -> DoctorFinding.warn("redis persistence", finding,
          "check that appendfsync is always or everysec, " + DEPLOYMENT_DOC);
      default -> DoctorFinding.warn("redis persistence", finding,
          "appendfsync no leaves fsync to the OS (up to ~30 s lost on a host crash): set appendfsync always or everysec, "
              + DEPLOYMENT_DOC);
    };
  }

  /** Redis' clock against ours, read half-way through the round trip. */
  private static DoctorFinding clock(RedisConnector redis) throws Exception {
    long sent = System.currentTimeMillis();
    List<byte[]> time = redis.commands().time().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    long received = System.currentTimeMillis();
    long seconds = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII));
    long micros = Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII));
    return DoctorFinding.clockSkew("clock (redis)", Instant.ofEpochSecond(seconds, micros * 1000),
        Instant.ofEpochMilli(sent + (received - sent) / 2));
  }

  private static Map<String, String> info(RedisConnector redis, String section) throws Exception {
    String text = redis.commands().info(section).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    Map<String, String> fields = new HashMap<>();
    for (String line : text.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  /**
   * Whether a host of the URL (the node, the sentinels or the cluster seeds) accepts a TCP
   * connection: a quick no before the connector's start-up wait of several seconds.
   */
  static boolean anyHostAnswers(String url) {
    int scheme = url.indexOf("://");
    String rest = scheme < 0 ? url : url.substring(scheme + 3);
    int end = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int at = rest.indexOf(c);
      end = at >= 0 ? Math.min(end, at) : end;
    }
    String authority = rest.substring(0, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int defaultPort = url.startsWith("redis-sentinel") || url.startsWith("rediss-sentinel") ? 26379 : 6379;
    for (String hostPort : authority.split(",")) {
      int colon = hostPort.lastIndexOf(':');
      boolean hasPort = colon > 0 && !hostPort.endsWith("]");
      String host = (hasPort ? hostPort.substring(0, colon) : hostPort).replace("[", "").replace("]", "");
      try (Socket socket = new Socket()) {
        int port = hasPort ? Integer.parseInt(hostPort.substring(colon + 1)) : defaultPort;
        socket.connect(new InetSocketAddress(host.isEmpty() ? "localhost" : host, port), (int) TIMEOUT.toMillis());
        return true;
      } catch (IOException | IllegalArgumentException e) {
        // try the next host
      }
    }
    return false;
  }

  /** The URL without its password. */
  static String redacted(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }
}
