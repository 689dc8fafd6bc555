package io.kcid.server.store.redis.testing;

import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;
import redis.embedded.core.RedisServerBuilder;

/**
 * One real {@code redis-server} process ({@link LocalRedis#configuredBinary}: embedded-redis's 6.2 by default) for tests, with
 * an admin connection. It can be killed with SIGKILL (no shutdown, no final fsync) and restarted on
 * the same port and data directory — what a crashed and restarted Redis host looks like.
 */
public final class RedisNode implements AutoCloseable {
  public static final String HOST = "127.0.0.1";

  private final int port;
  private final Path dir;
  private final List<String> settings;
  private final RedisClient client;
  private RedisServer server;
  private StatefulRedisConnection<String, String> admin;
  private long pid;

  private RedisNode(int port, Path dir, List<String> settings) {
    this.port = port;
    this.dir = dir;
    this.settings = List.copyOf(settings);
    this.client = RedisClient.create(RedisURI.builder().withHost(HOST).withPort(port)
        .withTimeout(Duration.ofSeconds(10)).build());
  }

  /**
   * Starts a node on a free port with its own temporary data directory.
   *
   * @param settings redis.conf lines besides port, bind and dir
   * @param clusterBus whether the node needs port + 10000 free too (Redis 6 puts the cluster bus
   *     there)
   */
  public static RedisNode start(List<String> settings, boolean clusterBus) {
    IOException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        int port = freePort(clusterBus);
        RedisNode node = new RedisNode(port, Files.createTempDirectory("kcid-node-" + port), settings);
        node.launch();
        return node;
      } catch (IOException e) {
        last = e; // the port was taken between the check and the start: pick another
      }
    }
    throw new UncheckedIOException("redis-server did not start", last);
  }

  private void launch() throws IOException {
    RedisServerBuilder builder =
        RedisServer.newRedisServer()
            .executableProvider(LocalRedis.configuredBinary())
            .port(port)
            .bind(HOST)
            .setting("dir " + dir.toAbsolutePath())
            // Drain the process's output: a full pipe would block redis-server.
            .soutListener(line -> {})
            .serrListener(line -> {});
    settings.forEach(builder::setting);
    RedisServer started = builder.build();
    started.start();
    server = started;
    if (admin != null) {
      admin.close(); // a fresh connection instead of waiting out the old one's reconnect backoff
    }
    admin = client.connect();
    pid = Long.parseLong(info("server", "process_id"));
  }

  public int port() {
    return port;
  }

  public String address() {
    return HOST + ":" + port;
  }

  /** Synchronous admin commands on this node (reconnects by itself after a restart). */
  public RedisCommands<String, String> sync() {
    return admin.sync();
  }

  /** One field of {@code INFO <section>}. */
  public String info(String section, String field) {
    for (String line : admin.sync().info(section).split("\r?\n")) {
      if (line.startsWith(field + ":")) {
        return line.substring(field.length() + 1).strip();
      }
    }
    throw new IllegalStateException("No " + field + " in INFO " + section + " of " + address());
  }

  /**
   * A replication barrier on this primary: writes {@code fenceKey} and waits (WAIT 1) until a
   * replica acknowledged it, so every write the primary executed before — every reply received
   * before this is called — is on the replica. Returns {@link System#nanoTime()} from just before.
   */
  public long replicationBarrier(String fenceKey) {
    long started = System.nanoTime();
    admin.sync().incr(fenceKey);
    if (admin.sync().waitForReplication(1, 5000) < 1) {
      throw new IllegalStateException("no replica of " + address() + " acknowledged the fence");
    }
    return started;
  }

  /** SIGKILL: the process dies at once, without a shutdown save or a last fsync. */
  public void kill() {
    ProcessHandle.of(pid).ifPresent(process -> {
      process.destroyForcibly();
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("redis-server " + pid + " did not die", e);
      }
    });
    try {
      server.stop(); // marks it stopped; the process is already gone
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SIGSTOP: the process stays, connected and silent — a replica that acknowledges nothing until
   * {@link #resume()}.
   */
  public void pause() {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String signal) {
    try {
      int exit = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill " + signal + " " + pid + " exited " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the process again on the same port and data directory (after {@link #kill()}). */
  public void restart() {
    try {
      launch();
    } catch (IOException e) {
      throw new UncheckedIOException("restart of " + address() + " failed", e);
    }
  }

  public boolean isRunning() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Override
  public void close() {
    try {
      if (admin != null) {
        admin.close();
      }
      client.shutdown(0, 1, TimeUnit.SECONDS);
    } finally {
      if (isRunning()) {
        kill();
      }
      deleteDirectory();
    }
  }

  private void deleteDirectory() {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // A leftover temp directory is harmless.
    }
  }

  /**
   * A port that is free now, and whose cluster-bus port (+10000) is free too when asked for; from
   * a range well below the ephemeral ports so both fit under 65536.
   */
  public static int freePort(boolean clusterBus) throws IOException {
    for (int i = 0; i < 200; i++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (isFree(port) && (!clusterBus || isFree(port + 10_000))) {
        return port;
      }
    }
    throw new IOException("no free port pair found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
      socket.setReuseAddress(true);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** redis.conf lines every test node shares. */
  public static List<String> baseSettings(boolean fsyncAlways) {
    List<String> s = new ArrayList<>();
    s.add("appendonly yes");
    s.add("appendfsync " + (fsyncAlways ? "always" : "everysec"));
    s.add("save \"\"");
    return s;
  }
}
