package io.kcid.faults.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy that breaks the connection between two real processes on purpose: between the
 * tracking-server and Redis, or between the edge and the tracking-server.
 *
 * <p>Modes (switchable at any time, applied to open and new connections alike):
 *
 * <ul>
 *   <li>{@link #pass()}: bytes flow unchanged;
 *   <li>{@link #latency(Duration)}: each chunk is held this long before it is forwarded;
 *   <li>{@link #stall()}: nothing is forwarded in either direction, connections stay open (a network
 *       partition, or a peer that stopped answering); held bytes flow again once the mode changes —
 *       never dropped, because TCP never drops bytes inside a live connection;
 *   <li>{@link #stallReplies()}: requests reach the target, its replies are held (the target acted,
 *       the caller cannot know);
 *   <li>{@link #refuse()}: every open connection is reset (RST) and new ones are reset at once.
 * </ul>
 *
 * {@link #resetConnections()} resets the open connections once and keeps the mode. One thread per
 * direction and connection, bounded by {@value #MAX_CONNECTIONS} connections: enough for the few
 * long-lived connections of gRPC and Lettuce.
 */
public final class FaultProxy implements AutoCloseable {
  static final int MAX_CONNECTIONS = 64;

  private enum Mode { PASS, LATENCY, STALL, STALL_REPLIES, REFUSE }

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Pair> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;
  private volatile Mode mode = Mode.PASS;
  private volatile long latencyMillis;
  private volatile boolean closed;

  private FaultProxy(ServerSocket listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
    this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + listener.getLocalPort());
    this.acceptor.setDaemon(true);
  }

  /** A proxy on a free loopback port forwarding to {@code host:port}. */
  public static FaultProxy start(String host, int port) {
    return start(0, host, port);
  }

  /** A proxy on {@code listenPort} (0 = free) forwarding to {@code host:port}. */
  public static FaultProxy start(int listenPort, String host, int port) {
    try {
      ServerSocket listener = new ServerSocket();
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 128);
      FaultProxy proxy = new FaultProxy(listener, new InetSocketAddress(host, port));
      proxy.acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** host:port of the proxy. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  public void pass() {
    mode = Mode.PASS;
  }

  public void latency(Duration delay) {
    latencyMillis = delay.toMillis();
    mode = Mode.LATENCY;
  }

  public void stall() {
    mode = Mode.STALL;
  }

  public void stallReplies() {
    mode = Mode.STALL_REPLIES;
  }

  public void refuse() {
    mode = Mode.REFUSE;
    resetConnections();
  }

  /** Resets (RST) every open connection now; the mode stays. */
  public void resetConnections() {
    for (Pair pair : open) {
      pair.reset();
    }
  }

  /** Connections accepted since start. */
  public int acceptedConnections() {
    return accepted.get();
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    resetConnections();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (mode == Mode.REFUSE || open.size() >= MAX_CONNECTIONS) {
        resetQuietly(client);
        continue;
      }
      Socket upstream = new Socket();
      try {
        upstream.connect(target, 2000);
      } catch (IOException e) {
        resetQuietly(client);
        closeQuietly(upstream);
        continue;
      }
      Pair pair = new Pair(client, upstream);
      open.add(pair);
      pair.start();
    }
  }

  /** One proxied connection: a pump per direction. */
  private final class Pair {
    private final Socket client;
    private final Socket upstream;
    private final AtomicInteger finished = new AtomicInteger();

    Pair(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      Thread requests = new Thread(() -> pump(client, upstream, false), "fault-proxy-req-" + port());
      Thread replies = new Thread(() -> pump(upstream, client, true), "fault-proxy-rep-" + port());
      requests.setDaemon(true);
      replies.setDaemon(true);
      requests.start();
      replies.start();
    }

    private void pump(Socket from, Socket to, boolean replyDirection) {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        while (true) {
          int n = in.read(buffer);
          if (n < 0) {
            break;
          }
          if (!holdWhileStalled(replyDirection)) {
            return;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
        // Orderly close from one side: pass the FIN on and let the other direction finish.
        to.shutdownOutput();
        if (finished.incrementAndGet() == 2 && open.remove(this)) {
          closeQuietly(client);
          closeQuietly(upstream);
        }
      } catch (IOException e) {
        reset();
      }
    }

    /** Waits while this direction is stalled or delayed; false when the connection must die. */
    private boolean holdWhileStalled(boolean replyDirection) {
      while (true) {
        Mode now = mode;
        if (now == Mode.REFUSE || closed) {
          reset();
          return false;
        }
        boolean stalled = now == Mode.STALL || (now == Mode.STALL_REPLIES && replyDirection);
        if (!stalled) {
          if (now == Mode.LATENCY) {
            sleep(latencyMillis);
          }
          return !client.isClosed() && !upstream.isClosed();
        }
        sleep(5);
        if (client.isClosed() || upstream.isClosed()) {
          return false;
        }
      }
    }

    void reset() {
      if (open.remove(this)) {
        resetQuietly(client);
        resetQuietly(upstream);
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Close with SO_LINGER 0: the peer sees a reset, as when a middlebox or host dies. */
  private static void resetQuietly(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // already closed
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
