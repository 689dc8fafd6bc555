package io.kcid.server.delivery.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.AttemptResult.Outcome;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Kept connections against a real receiver on a loopback socket that counts its connections:
 * attempts to one origin share a connection; a receiver that asks to close, or that closed a kept
 * connection as the next request arrived, costs a new connection and never a failed attempt; an
 * unused connection is closed after the keep time; a refused address is never connected to.
 */
class KeptConnectionsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** How the receiver treats its connections. */
  enum Mode {
    /** Answers every request, keeping the connection. */
    KEEP,
    /** Answers with "Connection: close" and closes. */
    ASK_TO_CLOSE,
    /** Answers the first request of a connection; closes it without an answer when a second arrives. */
    DROP_SECOND
  }

  /** A minimal HTTP/1.1 receiver: answers 200 "ok" as its mode says, counts connections and requests. */
  static final class CountingReceiver implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger closedByPeer = new AtomicInteger();
    private final ServerSocket socket;
    private final Mode mode;

    CountingReceiver(Mode mode) throws IOException {
      this.mode = mode;
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(() -> {
        while (!socket.isClosed()) {
          try {
            Socket s = socket.accept();
            connections.incrementAndGet();
            Thread serve = new Thread(() -> serve(s), "counting-receiver-conn");
            serve.setDaemon(true);
            serve.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "counting-receiver");
      accept.setDaemon(true);
      accept.start();
    }

    String url(String path) {
      return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    private void serve(Socket s) {
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        int onThisConnection = 0;
        while (true) {
          if (!readRequestHead(in)) {
            closedByPeer.incrementAndGet();
            return;
          }
          requests.incrementAndGet();
          onThisConnection++;
          if (mode == Mode.DROP_SECOND && onThisConnection == 2) {
            return; // closed without an answer, as a receiver's idle timeout would at that moment
          }
          String close = mode == Mode.ASK_TO_CLOSE ? "Connection: close\r\n" : "";
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + close + "\r\nok").getBytes(StandardCharsets.US_ASCII));
          out.flush();
          if (mode == Mode.ASK_TO_CLOSE) {
            return;
          }
        }
      } catch (IOException e) {
        // the client went away
      }
    }

    /** Reads up to the end of a request head (a GET has no body); false at the end of the stream. */
    private static boolean readRequestHead(InputStream in) throws IOException {
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          return false;
        }
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      return true;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static HttpDeliverySender sender(List<String> allowed, Duration keepIdle) {
    return new HttpDeliverySender(SenderFixtures.config(allowed, TIMEOUT), Clock.systemUTC(), null, null, keepIdle);
  }

  @Test
  void attemptsToOneOriginShareOneConnection() throws Exception {
    try (CountingReceiver receiver = new CountingReceiver(Mode.KEEP);
        HttpDeliverySender sender = sender(List.of("127.0.0.1/32"), Duration.ofSeconds(30))) {
      for (int i = 0; i < 5; i++) {
        AttemptResult r = SenderFixtures.sendPostback(sender, receiver.url("/pb?n=" + i));
        assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
        assertThat(r.attempt().getResponseExcerpt()).isEqualTo("ok");
      }
      assertThat(receiver.requests.get()).isEqualTo(5);
      assertThat(receiver.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void aReceiverThatAsksToCloseGetsANewConnectionPerAttempt() throws Exception {
    try (CountingReceiver receiver = new CountingReceiver(Mode.ASK_TO_CLOSE);
        HttpDeliverySender sender = sender(List.of("127.0.0.1/32"), Duration.ofSeconds(30))) {
      for (int i = 0; i < 3; i++) {
        assertThat(SenderFixtures.sendPostback(sender, receiver.url("/pb")).outcome()).isEqualTo(Outcome.DELIVERED);
      }
      assertThat(receiver.connections.get()).isEqualTo(3);
    }
  }

  @Test
  void aKeptConnectionClosedAsTheRequestArrivesIsReplacedNotFailed() throws Exception {
    try (CountingReceiver receiver = new CountingReceiver(Mode.DROP_SECOND);
        HttpDeliverySender sender = sender(List.of("127.0.0.1/32"), Duration.ofSeconds(30))) {
      assertThat(SenderFixtures.sendPostback(sender, receiver.url("/pb")).outcome()).isEqualTo(Outcome.DELIVERED);
      // The second attempt goes out on the kept connection, which the receiver drops unanswered:
      // the sender sends it again on a new connection, and the attempt is delivered.
      AttemptResult second = SenderFixtures.sendPostback(sender, receiver.url("/pb"));
      assertThat(second.outcome()).isEqualTo(Outcome.DELIVERED);
      assertThat(second.attempt().getError()).isEmpty();
      assertThat(receiver.connections.get()).isEqualTo(2);
      assertThat(receiver.requests.get()).isEqualTo(3);
    }
  }

  @Test
  void anUnusedConnectionIsClosedAfterTheKeepTime() throws Exception {
    try (CountingReceiver receiver = new CountingReceiver(Mode.KEEP);
        HttpDeliverySender sender = sender(List.of("127.0.0.1/32"), Duration.ofMillis(200))) {
      assertThat(SenderFixtures.sendPostback(sender, receiver.url("/pb")).outcome()).isEqualTo(Outcome.DELIVERED);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (receiver.closedByPeer.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(receiver.closedByPeer.get()).as("the sender closed the idle connection").isEqualTo(1);
      assertThat(SenderFixtures.sendPostback(sender, receiver.url("/pb")).outcome()).isEqualTo(Outcome.DELIVERED);
      assertThat(receiver.connections.get()).isEqualTo(2);
    }
  }

  @Test
  void aConnectionPastItsMaximumAgeIsClosedRatherThanKept() {
    KeptConnections young = new KeptConnections(Duration.ofSeconds(30), Duration.ofHours(1));
    EmbeddedChannel fresh = new EmbeddedChannel();
    young.watch("http://h:80", fresh);
    young.keep("http://h:80", fresh);
    assertThat(young.idleCount()).isEqualTo(1);
    assertThat(young.take("http://h:80")).isSameAs(fresh);
    assertThat(young.take("http://h:80")).isNull();

    KeptConnections old = new KeptConnections(Duration.ofSeconds(30), Duration.ZERO);
    EmbeddedChannel aged = new EmbeddedChannel();
    old.watch("http://h:80", aged);
    old.keep("http://h:80", aged);
    assertThat(old.idleCount()).isZero();
    assertThat(aged.isOpen()).isFalse();
  }

  @Test
  void aRefusedAddressIsNeverConnectedToNorKept() throws Exception {
    try (CountingReceiver receiver = new CountingReceiver(Mode.KEEP);
        HttpDeliverySender allowed = sender(List.of("127.0.0.1/32"), Duration.ofSeconds(30));
        HttpDeliverySender guarded = sender(List.of(), Duration.ofSeconds(30))) {
      // A connection kept by another sender changes nothing: each sender checks its own.
      assertThat(SenderFixtures.sendPostback(allowed, receiver.url("/pb")).outcome()).isEqualTo(Outcome.DELIVERED);
      for (int i = 0; i < 2; i++) {
        AttemptResult refused = SenderFixtures.sendPostback(guarded, receiver.url("/pb"));
        assertThat(refused.outcome()).isEqualTo(Outcome.PERMANENT);
        assertThat(refused.attempt().getError()).contains("127.0.0.1");
      }
      assertThat(receiver.connections.get()).isEqualTo(1);
      assertThat(receiver.requests.get()).isEqualTo(1);
    }
  }
}
