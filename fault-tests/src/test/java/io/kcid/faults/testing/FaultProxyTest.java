package io.kcid.faults.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy does what the scenarios rely on, against a line echo server. */
class FaultProxyTest {
  private ServerSocket echo;
  private final AtomicInteger received = new AtomicInteger();
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new ServerSocket(0);
    Thread server = new Thread(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread t = new Thread(() -> {
            try (s) {
              InputStream in = s.getInputStream();
              int b;
              while ((b = in.read()) >= 0) {
                received.incrementAndGet();
                s.getOutputStream().write(b);
              }
            } catch (IOException ignored) {
              // reset by the test
            }
          });
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    server.setDaemon(true);
    server.start();
    proxy = FaultProxy.start("127.0.0.1", echo.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", proxy.port());
    socket.setSoTimeout(300);
    return socket;
  }

  private static String read(Socket socket, int n) throws IOException {
    byte[] buffer = socket.getInputStream().readNBytes(n);
    return new String(buffer, StandardCharsets.US_ASCII);
  }

  @Test
  void passesBytesThrough() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(read(s, 5)).isEqualTo("hello");
    }
  }

  @Test
  void aStallHoldsBytesAndDeliversThemAfterwardsNeverDropsThem() throws Exception {
    try (Socket s = connect()) {
      proxy.stall();
      s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
      assertThatThrownBy(() -> read(s, 3)).isInstanceOf(SocketTimeoutException.class);
      assertThat(received.get()).as("the target got nothing while stalled").isZero();
      proxy.pass();
      s.setSoTimeout(3000);
      assertThat(read(s, 3)).isEqualTo("abc");
    }
  }

  @Test
  void stalledRepliesLetRequestsThrough() throws Exception {
    try (Socket s = connect()) {
      proxy.stallReplies();
      s.getOutputStream().write("xyz".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 100 && received.get() < 3; i++) {
        Thread.sleep(10);
      }
      assertThat(received.get()).as("the target acted").isEqualTo(3);
      assertThatThrownBy(() -> read(s, 3)).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void latencyDelaysEachChunk() throws IOException {
    proxy.latency(Duration.ofMillis(200));
    try (Socket s = connect()) {
      s.setSoTimeout(3000);
      long start = System.nanoTime();
      s.getOutputStream().write("z".getBytes(StandardCharsets.US_ASCII));
      assertThat(read(s, 1)).isEqualTo("z");
      assertThat((System.nanoTime() - start) / 1_000_000).as("two hops of 200 ms").isGreaterThanOrEqualTo(400);
    }
  }

  @Test
  void resetsOpenConnectionsAndRefusesNewOnes() throws IOException {
    try (Socket s = connect()) {
      s.setSoTimeout(3000);
      proxy.refuse();
      assertThatThrownBy(() -> {
        s.getOutputStream().write("a".getBytes(StandardCharsets.US_ASCII));
        if (s.getInputStream().read() >= 0) {
          throw new AssertionError("still connected");
        }
        throw new IOException("closed");
      }).isInstanceOf(IOException.class);
    }
    try (Socket again = connect()) {
      again.setSoTimeout(3000);
      assertThatThrownBy(() -> again.getInputStream().read()).isInstanceOf(IOException.class);
    } catch (IOException refusedAtConnect) {
      // also fine: reset before the handshake completed
    }
  }
}
