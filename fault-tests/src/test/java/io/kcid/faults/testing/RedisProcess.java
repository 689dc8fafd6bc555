package io.kcid.faults.testing;

import io.kcid.server.store.redis.LocalRedis;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (the bundled 6.2, or the binary KCID_REDIS_SERVER names) run as a child process
 * we own, so a test can SIGKILL it, SIGSTOP/SIGCONT it and restart it on the same port and data
 * directory. AOF on; {@code appendfsync always} or {@code everysec}.
 */
public final class RedisProcess implements AutoCloseable {
  private final Path binary;
  private final int port;
  private final Path dir;
  private final boolean fsyncAlways;
  private Process process;

  private RedisProcess(Path binary, int port, Path dir, boolean fsyncAlways) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.fsyncAlways = fsyncAlways;
  }

  /** Starts redis-server on a free loopback port with its files in {@code dir}. */
  public static RedisProcess start(Path dir, boolean fsyncAlways) {
    try {
      Files.createDirectories(dir);
      Path binary = LocalRedis.configuredBinary().get().toPath();
      RedisProcess redis = new RedisProcess(binary, freePort(), dir, fsyncAlways);
      redis.launch();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown, no final fsync — a crash. */
  public synchronized void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts it again on the same port and data directory (it reloads its AOF); waits until it answers. */
  public synchronized void restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("redis-server is still running");
    }
    launch();
  }

  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("CONT");
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      signal("CONT");
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void launch() {
    try {
      ProcessBuilder builder =
          new ProcessBuilder(
                  List.of(
                      binary.toString(),
                      "--port", Integer.toString(port),
                      "--bind", "127.0.0.1",
                      "--dir", dir.toAbsolutePath().toString(),
                      "--appendonly", "yes",
                      "--appendfsync", fsyncAlways ? "always" : "everysec",
                      "--save", "",
                      "--daemonize", "no",
                      "--protected-mode", "yes"))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
      process = builder.start();
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server: " + e.getMessage(), e);
    }
  }

  /** PING until +PONG (not -LOADING): the AOF is loaded and commands are served. */
  private void awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see " + dir.resolve("redis.log"));
      }
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        socket.setSoTimeout(1000);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = new byte[64];
        int n = in.read(reply);
        if (n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      sleep(20);
    }
    throw new IllegalStateException("redis-server did not become ready on port " + port);
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
