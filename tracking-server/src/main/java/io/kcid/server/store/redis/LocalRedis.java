package io.kcid.server.store.redis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.core.RedisServerBuilder;

/**
 * A real {@code redis-server} process for local use and tests: {@code ./kcid up} without
 * KCID_REDIS_URL, the bench, and every store test. It runs the Redis 6.2 shipped inside the
 * embedded-redis artifact, or the binary {@value #SERVER_VARIABLE} names (a Redis 7 or Valkey
 * {@code redis-server}, so the suites and the bench can check the versions operators run). Bound to
 * loopback; AOF on, so a local restart keeps its clicks. It runs in a session of its own where
 * {@code setsid} exists: a terminal's Ctrl-C goes to the foreground process group, and Redis
 * stopping on it at the same moment as the server would leave the server draining calls against a
 * Redis that is already gone. Whoever started it stops it, after the server.
 */
public final class LocalRedis implements AutoCloseable {
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  /** The environment variable naming the redis-server binary kcid runs itself; unset: the bundled 6.2. */
  public static final String SERVER_VARIABLE = "KCID_REDIS_SERVER";

  private final RedisServer server;
  private final int port;

  private LocalRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts redis-server on {@code port} (0 picks a free one) keeping its files in {@code dataDir}.
   *
   * @param fsyncAlways {@code appendfsync always} (no acknowledged write lost on a crash) instead of
   *     {@code everysec}
   */
  public static LocalRedis start(int port, Path dataDir, boolean fsyncAlways) {
    return start(port, dataDir, fsyncAlways, configuredBinary());
  }

  /** As {@link #start(int, Path, boolean)}, running {@code binary} (see {@link #binary}). */
  public static LocalRedis start(int port, Path dataDir, boolean fsyncAlways, ExecutableProvider binary) {
    try {
      Files.createDirectories(dataDir);
      IOException last = null;
      for (int attempt = 0; attempt < 5; attempt++) {
        int chosen = port == 0 ? freePort() : port;
        RedisServerBuilder builder =
            RedisServer.newRedisServer()
                .executableProvider(binary)
                .port(chosen)
                .bind("127.0.0.1")
                .setting("dir " + dataDir.toAbsolutePath())
                .setting("appendonly yes")
                .setting("appendfsync " + (fsyncAlways ? "always" : "everysec"))
                .setting("save \"\"")
                .setting("protected-mode yes")
                // Click buckets stay compact listpacks with landing URLs up to ~200 characters
                // (the default, 64 bytes, turns a bucket holding a longer record into a hash
                // table: see docs/DEPLOYMENT.md, "How clicks are stored").
                .setting("hash-max-ziplist-value 256");
        RedisServer server = new RedisServer(chosen, ownSession(builder.buildCommandArgs()), false);
        try {
          server.start();
          return new LocalRedis(server, chosen);
        } catch (IOException e) {
          last = e;
          if (port != 0) {
            break;
          }
        }
      }
      throw new IOException("redis-server did not start: " + (last == null ? "" : last.getMessage()), last);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A throwaway instance in a fresh temp directory. */
  public static LocalRedis startTemporary() {
    try {
      return start(0, Files.createTempDirectory("kcid-redis"), false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The redis-server binary to run: the file {@code named}, or the Redis 6.2 bundled in
   * embedded-redis when {@code named} is null or blank.
   *
   * @throws IllegalArgumentException when {@code named} is not an executable file
   */
  public static ExecutableProvider binary(String named) {
    if (isBundled(named)) {
      return ExecutableProvider.newJarResourceProvider();
    }
    File file = Path.of(named).toFile();
    if (!file.isFile() || !file.canExecute()) {
      throw new IllegalArgumentException(SERVER_VARIABLE + " (--redis-server) " + named + " is not an executable file");
    }
    return () -> file;
  }

  /** The binary {@value #SERVER_VARIABLE} names, else the bundled 6.2 (see {@link #binary}). */
  public static ExecutableProvider configuredBinary() {
    return binary(System.getenv(SERVER_VARIABLE));
  }

  /** Whether {@value #SERVER_VARIABLE} leaves kcid on the bundled Redis 6.2. */
  public static boolean runsBundledBinary() {
    return isBundled(System.getenv(SERVER_VARIABLE));
  }

  private static boolean isBundled(String named) {
    return named == null || named.isBlank();
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code command} run through setsid(1) (its own session and process group) where there is one. */
  private static List<String> ownSession(List<String> command) {
    if (!Files.isExecutable(SETSID)) {
      return command; // not Linux: Ctrl-C in a terminal reaches Redis too
    }
    List<String> detached = new ArrayList<>(command.size() + 1);
    detached.add(SETSID.toString());
    detached.addAll(command);
    return detached;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
