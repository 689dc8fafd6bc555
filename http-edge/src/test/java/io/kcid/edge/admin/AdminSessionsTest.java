package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The web view's in-memory sessions: random ids, expiry, sign-out, a bound, and no key in sight. */
class AdminSessionsTest {
  private static final String KEY = "kak_partner-key-0123456789abcdef";
  private static final AdminCaller PARTNER = new AdminCaller("agency admin", "agency-one", "");

  @Test
  void aSessionHoldsItsKeyUntilItExpires() {
    MovingClock clock = new MovingClock();
    AdminSessions sessions = new AdminSessions(clock, 10);
    String id = sessions.start(KEY, PARTNER);
    assertThat(id).matches("[A-Za-z0-9_-]{43}").doesNotContain(KEY);
    assertThat(sessions.find(id).key()).isEqualTo(KEY);
    assertThat(sessions.find(id).caller().home()).isEqualTo("/admin/partners/agency-one");
    assertThat(sessions.find(id).toString()).doesNotContain(KEY);

    clock.now = clock.now.plus(AdminSessions.TTL).minusSeconds(1);
    assertThat(sessions.find(id)).as("just before expiry").isNotNull();
    clock.now = clock.now.plusSeconds(1);
    assertThat(sessions.find(id)).as("expired").isNull();
    assertThat(sessions.size()).as("dropped once found expired").isZero();
  }

  @Test
  void signingOutEndsOnlyThatSession() {
    AdminSessions sessions = new AdminSessions(new MovingClock(), 10);
    String first = sessions.start(KEY, PARTNER);
    String second = sessions.start(KEY, PARTNER);
    assertThat(first).isNotEqualTo(second);
    sessions.end(first);
    assertThat(sessions.find(first)).isNull();
    assertThat(sessions.find(second)).isNotNull();
    sessions.end("no-such-session");
    sessions.end(null);
    assertThat(sessions.find(null)).isNull();
    assertThat(sessions.find("x".repeat(1000))).isNull();
  }

  @Test
  void atTheBoundTheSessionClosestToExpiryMakesRoom() {
    MovingClock clock = new MovingClock();
    AdminSessions sessions = new AdminSessions(clock, 3);
    String oldest = sessions.start(KEY, PARTNER);
    Set<String> later = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      clock.now = clock.now.plus(Duration.ofMinutes(1));
      later.add(sessions.start(KEY, PARTNER));
    }
    clock.now = clock.now.plus(Duration.ofMinutes(1));
    String newest = sessions.start(KEY, PARTNER);
    assertThat(sessions.size()).isEqualTo(3);
    assertThat(sessions.find(oldest)).isNull();
    assertThat(sessions.find(newest)).isNotNull();
    assertThat(later).allSatisfy(id -> assertThat(sessions.find(id)).isNotNull());
  }

  @Test
  void homeFollowsTheKeysScope() {
    assertThat(AdminCaller.configuredAdmin().home()).isEqualTo("/admin/partners");
    assertThat(new AdminCaller("acme reader", "agency-one", "acme").home()).isEqualTo("/admin/accounts/acme");
    assertThat(PARTNER.describe()).isEqualTo("agency admin (partner agency-one)");
  }
}
