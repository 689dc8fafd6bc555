package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.common.IpPrivacy;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.ExternalTools;
import io.kcid.server.testing.TestServers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A connection that never speaks gRPC (HTTP/1 bytes, TLS on the plaintext port, a plaintext
 * grpc_health_probe on the TLS port) is one INFO line in kcid's log, with no stack trace; the
 * server's log is captured with a Logback ListAppender on the root logger.
 */
class TransportNoiseTest {
  @TempDir
  static Path certs;
  private static LocalRedis redis;
  private static TrackingServer plaintext;
  private static TrackingServer tls;
  private ListAppender<ILoggingEvent> captured;

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    plaintext = TrackingServer.start(TestServers.config(redis.url()));
    selfSigned(certs);
    tls = TrackingServer.start(TestServers.builder(redis.url())
        .security(new ServerSecurity(AuthMode.OPEN, List.of(), Duration.ofSeconds(1),
            certs.resolve("server.pem"), certs.resolve("server.key"), null, 100, 100, IpPrivacy.truncate()))
        .build());
  }

  @AfterAll
  static void stop() {
    plaintext.close();
    tls.close();
    redis.close();
  }

  @BeforeEach
  void capture() {
    captured = new ListAppender<>();
    captured.start();
    root().addAppender(captured);
    // Let every connection record through, as the CLI's logback.xml does: the filter must drop it.
    ((Logger) LoggerFactory.getLogger(TransportNoise.CONNECTION_LOGGER)).setLevel(Level.ALL);
  }

  @AfterEach
  void release() {
    root().detachAppender(captured);
  }

  @Test
  void http1RequestOnTheGrpcPortIsOneLine() throws Exception {
    send(plaintext.port(), "GET /healthz HTTP/1.1\r\nHost: kcid\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertOneLine("an HTTP/1.x request on the gRPC port (HTTP/1.x request: GET /healthz)");
  }

  @Test
  void tlsHandshakeOnThePlaintextPortIsOneLine() throws Exception {
    byte[] clientHello = new byte[64];
    clientHello[0] = 0x16;
    clientHello[1] = 0x03;
    clientHello[2] = 0x01;
    send(plaintext.port(), clientHello);
    assertOneLine("a TLS handshake on the plaintext gRPC port (a client with TLS on?)");
  }

  @Test
  void plaintextHealthProbeOnTheTlsPortIsOneLine() throws Exception {
    Process probe = new ProcessBuilder(ExternalTools.require("grpc-health-probe").toString(),
        "-addr", "127.0.0.1:" + tls.port(), "-connect-timeout", "2s", "-rpc-timeout", "2s")
        .redirectErrorStream(true).start();
    probe.getInputStream().readAllBytes();
    assertThat(probe.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(probe.exitValue()).as("a plaintext probe cannot pass against TLS").isNotZero();
    // grpc-java 1.83 logs this one below INFO; whatever it logs must not be a stack trace.
    assertQuiet();
  }

  @Test
  void plaintextOnTheTlsPortIsRecognised() {
    assertThat(TransportNoise.clientMistake(
        new io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException("not an SSL/TLS record: 474554")))
        .isEqualTo("not a TLS record on the TLS port (a plaintext client or probe?)");
  }

  @Test
  void aRealTransportErrorIsNotAClientMistake() {
    assertThat(TransportNoise.clientMistake(new IOException("Broken pipe"))).isNull();
    assertThat(TransportNoise.clientMistake(new IllegalStateException("boom", null))).isNull();
  }

  private void assertOneLine(String what) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(events()).anySatisfy(e -> {
          assertThat(e.getLevel()).isEqualTo(Level.INFO);
          assertThat(e.getFormattedMessage()).isEqualTo("gRPC connection closed: " + what);
          assertThat(e.getThrowableProxy()).isNull();
        }));
    assertQuiet();
  }

  private void assertQuiet() {
    assertThat(events()).as("no record with a stack trace").allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
    assertThat(events()).as("nothing from gRPC's connection logger")
        .noneSatisfy(e -> assertThat(e.getLoggerName()).isEqualTo(TransportNoise.CONNECTION_LOGGER));
  }

  private List<ILoggingEvent> events() {
    synchronized (captured.list) {
      return List.copyOf(captured.list);
    }
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private static void send(int port, byte[] bytes) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      // The server answers with its SETTINGS frame and closes: read until it does.
      socket.getInputStream().readAllBytes();
    }
  }

  private static void selfSigned(Path dir) throws IOException, InterruptedException {
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.pem",
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        .directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0).as(output).isTrue();
  }
}
