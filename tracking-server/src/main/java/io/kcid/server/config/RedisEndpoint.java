package io.kcid.server.config;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the store lives, parsed from {@code KCID_REDIS_URL}. Three shapes:
 *
 * <ul>
 *   <li>a single Redis: {@code redis://[[user]:password@]host:port[/db]} or {@code rediss://…} (TLS);
 *   <li>Sentinel, in Lettuce's own syntax: {@code
 *       redis-sentinel://[password@]host:port[,host:port…][/db]#master-name} (or {@code
 *       rediss-sentinel://…}); the current primary is asked from the sentinels at every (re)connect;
 *   <li>Cluster, kcid's scheme: {@code redis-cluster://[[user]:password@]host:port[,host:port…]} (or
 *       {@code rediss-cluster://…}): seed nodes, from which the client learns the whole topology.
 * </ul>
 */
public sealed interface RedisEndpoint {
  String EXPECTED =
      "expected redis://[:password@]host:port[/db], rediss://…,"
          + " redis-sentinel://[password@]host:port[,host:port…][/db]#master-name"
          + " or redis-cluster://[:password@]host:port[,host:port…]";

  /** One Redis, addressed directly. */
  record Standalone(RedisURI uri) implements RedisEndpoint {}

  /** A primary found through Sentinel; {@code uri} carries the sentinels and the master name. */
  record Sentinel(RedisURI uri) implements RedisEndpoint {}

  /** A Redis Cluster, reached through any of its seed nodes. */
  record Cluster(List<RedisURI> seeds) implements RedisEndpoint {
    public Cluster {
      seeds = List.copyOf(seeds);
    }
  }

  /**
   * Parses a URL; throws {@link IllegalArgumentException} naming the (redacted) value and what was
   * expected.
   */
  static RedisEndpoint parse(String url) {
    if (url == null || url.isBlank()) {
      throw invalid(url, "it is empty");
    }
    int schemeEnd = url.indexOf("://");
    String scheme = schemeEnd < 0 ? "" : url.substring(0, schemeEnd);
    try {
      return switch (scheme) {
        case "redis", "rediss" -> new Standalone(single(url));
        case "redis-sentinel", "rediss-sentinel" -> new Sentinel(sentinel(url));
        case "redis-cluster", "rediss-cluster" ->
            new Cluster(seeds(url.substring(schemeEnd + 3), scheme.startsWith("rediss")));
        default -> throw invalid(url, "unknown scheme '" + scheme + "'");
      };
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("KCID_REDIS_URL=")) {
        throw e;
      }
      throw invalid(url, e.getMessage());
    }
  }

  private static RedisURI single(String url) {
    RedisURI uri = RedisURI.create(url);
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("no host");
    }
    return uri;
  }

  private static RedisURI sentinel(String url) {
    RedisURI uri = RedisURI.create(url);
    if (uri.getSentinels().isEmpty()) {
      throw new IllegalArgumentException("no sentinel host");
    }
    if (uri.getSentinelMasterId() == null || uri.getSentinelMasterId().isBlank()) {
      throw new IllegalArgumentException("no master name (#master-name)");
    }
    return uri;
  }

  /** {@code [userinfo@]host:port,host:port…} — every seed gets the same credentials and TLS. */
  private static List<RedisURI> seeds(String rest, boolean tls) {
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.contains("/") || rest.contains("?") || rest.contains("#")) {
      throw new IllegalArgumentException(
          "a cluster URL is only a seed list (a cluster has one database, no path or options)");
    }
    int at = rest.lastIndexOf('@');
    String userInfo = at < 0 ? "" : rest.substring(0, at + 1);
    List<RedisURI> seeds = new ArrayList<>();
    for (String hostPort : rest.substring(at + 1).split(",", -1)) {
      if (hostPort.isBlank()) {
        throw new IllegalArgumentException("an empty seed in the list");
      }
      seeds.add(single((tls ? "rediss://" : "redis://") + userInfo + hostPort.strip()));
    }
    return seeds;
  }

  private static IllegalArgumentException invalid(String url, String why) {
    return new IllegalArgumentException(
        "KCID_REDIS_URL=" + RedisConfig.redactUrl(url) + ": " + why + "; " + EXPECTED);
  }
}
