package io.kcid.server.delivery.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.AttemptResult.Outcome;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS deliveries to a real TLS receiver whose certificate (made by the JDK's keytool) names
 * only "localhost": the sender sends SNI and verifies the host name against the certificate.
 */
class HttpsDeliveryTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir static Path dir;
  private static HttpsServer server;
  private static HttpDeliverySender sender;
  private static final List<String> sniSeen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path keystore = dir.resolve("receiver.p12");
    Process keytool = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
            "-storetype", "PKCS12", "-keystore", keystore.toString(),
            "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(output).isZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    server.createContext("/", exchange -> {
      if (((HttpsExchange) exchange).getSSLSession() instanceof ExtendedSSLSession session) {
        session.getRequestedServerNames().stream()
            .filter(n -> n instanceof SNIHostName).map(n -> ((SNIHostName) n).getAsciiName())
            .forEach(sniSeen::add);
      }
      byte[] body = "secure ok".getBytes();
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();

    // The test trusts the receiver's self-signed certificate; host name checking is the sender's.
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SslContext clientTls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(tmf).build();
    DeliveryConfig config = SenderFixtures.config(List.of("127.0.0.1/32"), Duration.ofSeconds(5));
    sender = new HttpDeliverySender(config, Clock.systemUTC(), null, clientTls);
  }

  @AfterAll
  static void stop() {
    if (sender != null) {
      sender.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aCertificateForTheHostIsAcceptedAndSniIsSent() throws Exception {
    AttemptResult r = SenderFixtures.sendPostback(sender, "https://localhost:" + server.getAddress().getPort() + "/pb?x=1");
    assertThat(r.outcome()).as(r.attempt().getError()).isEqualTo(Outcome.DELIVERED);
    assertThat(r.attempt().getResponseExcerpt()).isEqualTo("secure ok");
    assertThat(sniSeen).contains("localhost");
  }

  @Test
  void aCertificateForAnotherNameIsRefused() throws Exception {
    // The certificate names localhost only; 127.0.0.1 is not in it.
    AttemptResult r = SenderFixtures.sendPostback(sender, "https://127.0.0.1:" + server.getAddress().getPort() + "/pb");
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getStatusCode()).isZero();
    assertThat(r.attempt().getError()).startsWith("TLS failed");
  }

}
