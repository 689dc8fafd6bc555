package io.kcid.faults;

import static io.kcid.faults.ClicksNeverFailIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.server.TrackingServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 6, no open redirect and no header injection, through the real edge over raw sockets (so
 * the exact bytes reach it): a corpus of open-redirect tricks signed with the account's own secret
 * (so only the destination rules decide), unsigned, tampered and re-signed URLs, and CR/LF in every
 * parameter a response could reflect. Run twice: with the tracking-server up, and with it stopped,
 * when the edge alone decides (its degraded mode must be no weaker).
 *
 * <p>Passes when every trick is refused without a Location header, the few legitimate but odd
 * destinations redirect to exactly the signed host, and no response carries a header outside the
 * edge's fixed set or a header line the request put there.
 */
class RedirectHardeningIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final Set<String> HEADERS = Set.of(
      "location", "referrer-policy", "content-type", "content-length", "cache-control", "x-content-type-options",
      "connection", "retry-after", "allow",
      // The outcome and reason of every /postback answer, words the edge itself writes.
      "x-kcid-outcome", "x-kcid-reason");
  private static final Pattern HEADER_LINE = Pattern.compile("[A-Za-z0-9-]+: [\\x20-\\x7e]*");

  /** Destinations that must never be redirected to. */
  static final List<String> EVIL = List.of(
      "//evil.example/",
      "/\\evil.example",
      "\\\\evil.example",
      "/%2F/evil.example",
      "https://good.example@evil.example/",
      "https://good.example:pw@evil.example/",
      "https:\\\\evil.example",
      "https:/\\evil.example",
      "https:evil.example",
      "https:/evil.example",
      "https:///evil.example",
      "http://evil.example\\@good.example/",
      "javascript:alert(1)",
      "JavaScript://good.example/%0aalert(1)",
      " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "ftp://evil.example/",
      "https://evil.example%2F@good.example/",
      "https://%65vil.example/",
      "https://evil.example%00.good.example/",
      "%2F%2Fevil.example",
      "https://ev\til.example/",
      "https://evil.example\n.good.example/",
      "https://good.example\r\nSet-Cookie: evil=1",
      "https://good.example/\r\nLocation: https://evil.example/",
      "https://\uff45vil.example/",
      "https://good.example\u2028/",
      "https://good.example:99999/",
      "");

  /** Odd but legitimate destinations: redirected, to exactly good.example, with nothing injected. */
  static final List<String> ODD_BUT_FINE = List.of(
      "https://good.example/%0d%0aSet-Cookie:%20evil=1",
      "https://good.example/a?next=//evil.example#frag",
      "HTTPS://good.example/?u=%2F%2Fevil.example");

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static CreateAccountResponse victim;
  private static CreateAccountResponse other;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    int port = Stack.freePort();
    server = Stack.server(redis.url(), KEYS, port, Duration.ZERO);
    channel = Stack.channel(port);
    victim = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    other = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    // The accounts exist before the edge's first secret refresh, so its cache holds them.
    edge = Stack.spoolingEdge("127.0.0.1:" + port, 0, KEYS, dir.resolve("spool"), Duration.ofMillis(300), Duration.ZERO);
    awaitTrue(() -> edge.clickSpool().degraded().ready(), "the edge holds the accounts' click secrets");
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  /** What came back: status, raw header lines, body. */
  record Raw(int status, List<String> headerLines, String body) {
    List<String> header(String name) {
      List<String> values = new ArrayList<>();
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          values.add(line.substring(colon + 1).trim());
        }
      }
      return values;
    }
  }

  private static Raw send(String target) {
    try (Socket socket = new Socket("127.0.0.1", edge.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(
          ("GET " + target + " HTTP/1.1\r\nHost: edge.example\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      String text = out.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      assertThat(end).as("a complete header block for " + target + ": " + text).isPositive();
      String[] lines = text.substring(0, end).split("\r\n", -1);
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      return new Raw(status, List.of(lines).subList(1, lines.length), text.substring(end + 4));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String signed(CreateAccountResponse signer, String account, String destination, Map<String, String> extra) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account);
    params.put("c", "spring");
    params.putAll(extra);
    params.put("u", destination);
    return ClickUrlSigner.signedUrl("", params, signer.getSecrets().getClickSecret());
  }

  private static String signed(String destination) {
    return signed(victim, victim.getAccount().getAccountId(), destination, Map.of());
  }

  /** Nothing in the headers that the edge did not put there itself. */
  private static void assertCleanHeaders(Raw raw, String what) {
    for (String line : raw.headerLines()) {
      assertThat(line).as(what).matches(HEADER_LINE);
      assertThat(HEADERS).as(what + ": header " + line).contains(line.substring(0, line.indexOf(':')).toLowerCase(Locale.ROOT));
    }
    assertThat(raw.header("Set-Cookie")).as(what).isEmpty();
  }

  private static void assertRefused(Raw raw, String what) {
    assertCleanHeaders(raw, what);
    assertThat(raw.status()).as(what + " -> " + raw.body()).isIn(400, 503);
    assertThat(raw.header("Location")).as(what).isEmpty();
  }

  private static void assertRedirectsToGoodHost(Raw raw, String what) {
    assertCleanHeaders(raw, what);
    assertThat(raw.status()).as(what + " -> " + raw.body()).isEqualTo(302);
    URI location = URI.create(raw.header("Location").get(0));
    assertThat(location.getHost()).as(what).isEqualTo("good.example");
    assertThat(location.getScheme()).as(what).isIn("https", "HTTPS");
    assertThat(location.getRawUserInfo()).isNull();
  }

  private void runCorpus(String mode) {
    for (String evil : EVIL) {
      assertRefused(send(signed(evil)), mode + " signed destination [" + evil + "]");
    }
    for (String fine : ODD_BUT_FINE) {
      assertRedirectsToGoodHost(send(signed(fine)), mode + " [" + fine + "]");
    }
    String id = victim.getAccount().getAccountId();
    String good = signed("https://good.example/");
    assertRedirectsToGoodHost(send(good), mode + " control");
    // Unsigned, tampered after signing, and re-signed with another account's secret.
    assertRefused(send("/c?a=" + id + "&c=spring&u=" + enc("https://evil.example/")), mode + " unsigned");
    assertRefused(send(good.replace(enc("https://good.example/"), enc("https://evil.example/"))), mode + " tampered");
    assertRefused(send(signed(other, id, "https://evil.example/", Map.of())), mode + " re-signed with another secret");
    assertRefused(send(good + "&u=" + enc("https://evil.example/")), mode + " repeated u");
    assertRefused(send(good.replace("/c?", "/c?x=1&")), mode + " unknown parameter");

    // CR/LF in every parameter a response could reflect, signed so the value itself is judged.
    String injection = "x\r\nSet-Cookie: evil=1\r\nLocation: https://evil.example/";
    for (String name : List.of("c", "cr", "p", "s1", "s5", "s10")) {
      Map<String, String> extra = new LinkedHashMap<>();
      extra.put(name, injection);
      Map<String, String> params = new LinkedHashMap<>();
      params.put("a", id);
      params.put("c", "spring");
      params.putAll(extra);
      params.put("u", "https://good.example/");
      assertRefused(send(ClickUrlSigner.signedUrl("", params, victim.getSecrets().getClickSecret())), mode + " CR/LF in " + name);
    }
    assertRefused(send("/c?a=" + enc(injection) + "&c=spring&u=" + enc("https://good.example/") + "&sig=x"), mode + " CR/LF in a");
    assertRefused(send(good.replaceAll("sig=[^&]*", "sig=" + enc(injection))), mode + " CR/LF in sig");
    assertRefused(send(good + "&" + enc(injection) + "=1"), mode + " CR/LF in a parameter name");
    assertRefused(send("/c?a=x\r\nSet-Cookie: evil=1"), mode + " raw CR/LF in the request line");
    for (String field : List.of("kcid", "goal", "value", "currency", "txid", "status", "event_time", "adv1", "test", "request_id", "token")) {
      Raw raw = send("/postback?kcid=x&token=t&" + field + "=" + enc(injection));
      assertCleanHeaders(raw, mode + " postback CR/LF in " + field);
      assertThat(raw.header("Location")).isEmpty();
      // Refused as malformed or unauthenticated; with the server stopped, "retry later".
      assertThat(raw.status()).as(mode + " postback " + field + " -> " + raw.body())
          .satisfiesAnyOf(s -> assertThat(s).isBetween(400, 499), s -> assertThat(s).isEqualTo(503));
    }
  }

  @Test
  void withTheTrackingServerUpEveryTrickIsRefusedOrNeutralised() {
    runCorpus("online");
  }

  @Test
  void withTheTrackingServerStoppedTheEdgeAloneIsNoWeaker() {
    server.close();
    try {
      runCorpus("degraded");
    } finally {
      server = Stack.server(redis.url(), KEYS, Integer.parseInt(channel.authority().split(":")[1]), Duration.ZERO);
    }
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
