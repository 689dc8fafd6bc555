package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.support.FakeBackend;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The handler's sessions on a moving clock (a real gRPC backend that knows no key but the edge's
 * admin key): a session works until its 8 hours are up, then the cookie gets the sign-in page; a
 * key the server does not know starts none.
 */
class AdminSessionExpiryTest {
  private static final String ADMIN_KEY = "admin-key-0123456789abcdef";

  private final FakeBackend backend = new FakeBackend();
  private final ManagedChannel channel = NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();

  @AfterEach
  void close() {
    channel.shutdownNow();
    backend.close();
  }

  private static FullHttpRequest request(HttpMethod method, String uri, String body, String cookie) {
    FullHttpRequest request = new DefaultFullHttpRequest(
        HttpVersion.HTTP_1_1, method, uri, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    request.headers().set("Content-Type", "application/x-www-form-urlencoded");
    if (cookie != null) {
      request.headers().set("Cookie", cookie);
    }
    return request;
  }

  private static String cookieOf(EdgeResponse response) {
    String setCookie = response.headers().get("Set-Cookie");
    assertThat(setCookie).as(new String(response.body(), StandardCharsets.UTF_8)).isNotNull();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void aSessionEndsAfterItsEightHours() {
    MovingClock clock = new MovingClock();
    AdminHandler handler = new AdminHandler(ADMIN_KEY, channel, Duration.ofSeconds(5), false, clock);
    EdgeResponse signedIn = handler.handle(request(HttpMethod.POST, "/admin/login", "key=" + ADMIN_KEY, null)).join();
    assertThat(signedIn.status()).isEqualTo(200);
    String cookie = cookieOf(signedIn);
    assertThat(cookie).doesNotContain(ADMIN_KEY);

    clock.now = clock.now.plus(AdminSessions.TTL).minusSeconds(1);
    EdgeResponse home = handler.handle(request(HttpMethod.GET, "/admin/", "", cookie)).join();
    assertThat(home.status()).isEqualTo(303);
    assertThat(home.headers().get("Location")).isEqualTo("/admin/partners");

    clock.now = clock.now.plusSeconds(1);
    EdgeResponse expired = handler.handle(request(HttpMethod.GET, "/admin/", "", cookie)).join();
    assertThat(expired.status()).isEqualTo(401);
    assertThat(new String(expired.body(), StandardCharsets.UTF_8)).contains("action=\"/admin/login\"");
  }

  @Test
  void aKeyTheServerDoesNotKnowStartsNoSession() {
    AdminHandler handler = new AdminHandler(ADMIN_KEY, channel, Duration.ofSeconds(5), false, new MovingClock());
    EdgeResponse refused = handler.handle(request(HttpMethod.POST, "/admin/login", "key=kak_someone-elses-key-0123", null)).join();
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers().get("Set-Cookie")).isNull();
    EdgeResponse malformed = handler.handle(request(HttpMethod.POST, "/admin/login", "key=%0Abad%20key", null)).join();
    assertThat(malformed.status()).as("a key that cannot be a header is refused before any call").isEqualTo(401);
  }
}
