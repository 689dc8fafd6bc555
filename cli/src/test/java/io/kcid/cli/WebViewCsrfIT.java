package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.ListGoalsRequest;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.server.store.redis.testing.Topology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The web view's forms over raw HTTP: a forged submission (no token, another session's token,
 * another site's Origin or fetch metadata) is refused with its reason and changes nothing; a bad
 * form is a 4xx page; a key outside its scope gets the server's PERMISSION_DENIED as a 403 page.
 * On one redis-server and on a three-node Cluster.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class WebViewCsrfIT {
  @Parameter Topology topology;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static WebViewFixture kcid;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    kcid = new WebViewFixture(topology);
    kcid.account("csrf", "");
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    kcid.close();
  }

  /** Signs in with {@code key}; returns "kcid_admin=…" for the Cookie header. */
  private static String signIn(String key) throws Exception {
    HttpResponse<String> signedIn = HTTP.send(HttpRequest.newBuilder(URI.create(kcid.view("/admin/login")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("key=" + WebViewFixture.enc(key))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
    String setCookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private static HttpResponse<String> get(String path, String cookie) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(kcid.view(path))).header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The anti-forgery token of the session's forms, as its settings page carries it. */
  private static String token(String cookie, String account) throws Exception {
    HttpResponse<String> page = get("/admin/accounts/" + account + "/settings", cookie);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Matcher field = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]{43})\"").matcher(page.body());
    assertThat(field.find()).as(page.body()).isTrue();
    return field.group(1);
  }

  private static HttpResponse<String> post(String path, String cookie, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(kcid.view(path)))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertNoGoal(String account, String goal) {
    assertThatThrownBy(() -> kcid.admin.getGoal(GetGoalRequest.newBuilder().setAccountId(account).setGoalKey(goal).build()))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("has no goal");
  }

  @Test
  void aForgedFormIsRefusedWithItsReasonAndChangesNothing() throws Exception {
    String cookie = signIn(WebViewFixture.OPS_KEY);
    String token = token(cookie, "csrf");
    String path = "/admin/accounts/csrf/goals";

    HttpResponse<String> missing = post(path, cookie, "goal_key=forged");
    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(403);
    assertThat(missing.body()).contains("CSRF_TOKEN_INVALID", "nothing was changed");
    HttpResponse<String> wrong = post(path, cookie, "goal_key=forged&csrf=" + token.substring(1) + "A");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.body()).contains("CSRF_TOKEN_INVALID");
    // Another session's token is not this session's.
    String otherToken = token(signIn(WebViewFixture.OPS_KEY), "csrf");
    assertThat(post(path, cookie, "goal_key=forged&csrf=" + otherToken).body()).contains("CSRF_TOKEN_INVALID");

    // The right token, sent from another site: refused all the same.
    HttpResponse<String> crossOrigin = post(path, cookie, "goal_key=forged&csrf=" + token, "Origin", "http://evil.example");
    assertThat(crossOrigin.statusCode()).isEqualTo(403);
    assertThat(crossOrigin.body()).contains("CROSS_SITE_REQUEST");
    HttpResponse<String> crossSite = post(path, cookie, "goal_key=forged&csrf=" + token, "Sec-Fetch-Site", "cross-site");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.body()).contains("CROSS_SITE_REQUEST");
    HttpResponse<String> nullOrigin = post(path, cookie, "goal_key=forged&csrf=" + token, "Origin", "null");
    assertThat(nullOrigin.body()).contains("CROSS_SITE_REQUEST");
    // Without the session cookie the token is worth nothing.
    assertThat(post(path, null, "goal_key=forged&csrf=" + token).statusCode()).isEqualTo(401);
    assertNoGoal("csrf", "forged");

    // Another site can neither sign the victim out nor sign them in with its own key.
    HttpResponse<String> logout = HTTP.send(HttpRequest.newBuilder(URI.create(kcid.view("/admin/logout"))).header("Cookie", cookie)
        .header("Origin", "http://evil.example").POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(logout.statusCode()).isEqualTo(403);
    assertThat(logout.body()).contains("CROSS_SITE_REQUEST");
    assertThat(get("/admin/accounts/csrf/settings", cookie).statusCode()).as("still signed in").isEqualTo(200);
    HttpResponse<String> login = post("/admin/login", null, "key=" + WebViewFixture.OPS_KEY, "Sec-Fetch-Site", "cross-site");
    assertThat(login.statusCode()).isEqualTo(403);
    assertThat(login.headers().firstValue("Set-Cookie")).isEmpty();

    // The same form, from the view's own origin with its token: done, and back to the settings.
    HttpResponse<String> done = post(path, cookie, "goal_key=real&csrf=" + token,
        "Origin", "http://127.0.0.1:" + kcid.edge.adminPort(), "Sec-Fetch-Site", "same-origin");
    assertThat(done.statusCode()).as(done.body()).isEqualTo(303);
    assertThat(done.headers().firstValue("Location")).hasValue("/admin/accounts/csrf/settings");
    assertThat(kcid.admin.getGoal(GetGoalRequest.newBuilder().setAccountId("csrf").setGoalKey("real").build()).getGoal().getGoalKey())
        .isEqualTo("real");
    // The message is shown once, on the next page.
    assertThat(get("/admin/accounts/csrf/settings", cookie).body()).contains("<p id=\"flash\"", "Goal real created.");
    assertThat(get("/admin/accounts/csrf/settings", cookie).body()).doesNotContain("Goal real created.");
  }

  @Test
  void theStatusHandlingFormSetsIgnoreStatusFormatAndClearsTheMap() throws Exception {
    kcid.account("statuses", "");
    String cookie = signIn(WebViewFixture.OPS_KEY);
    String token = token(cookie, "statuses");
    String path = "/admin/accounts/statuses/status-handling";
    HttpResponse<String> on = post(path, cookie, "csrf=" + token + "&ignore_status=on&response_format=empty&status_map="
        + WebViewFixture.enc("Sale = approved\r\n1 = pending"));
    assertThat(on.statusCode()).as(on.body()).isEqualTo(303);
    var account = kcid.admin.getAccount(GetAccountRequest.newBuilder().setAccountId("statuses").build()).getAccount();
    assertThat(account.getIgnoreStatus()).isTrue();
    assertThat(account.getPostbackResponseFormat()).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_EMPTY);
    assertThat(account.getStatusMapMap()).containsOnlyKeys("sale", "1");
    HttpResponse<String> page = get("/admin/accounts/statuses/settings", cookie);
    assertThat(page.body()).contains("Ignore status: on", "<option value=\"empty\" selected>", "id=\"ignore-status\" type=\"checkbox\" "
        + "name=\"ignore_status\" value=\"on\" checked>", "<tr><td>1</td><td>pending</td></tr>");

    // An unchecked box is absent from the form: ignore-status goes off; an empty map clears it.
    assertThat(post(path, cookie, "csrf=" + token + "&response_format=text-1&status_map=").statusCode()).isEqualTo(303);
    account = kcid.admin.getAccount(GetAccountRequest.newBuilder().setAccountId("statuses").build()).getAccount();
    assertThat(account.getIgnoreStatus()).isFalse();
    assertThat(account.getStatusMapMap()).isEmpty();
    assertThat(account.getPostbackResponseFormat()).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_1);
    HttpResponse<String> unknown = post(path, cookie, "csrf=" + token + "&response_format=xml");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("Unknown response format");
  }

  @Test
  void aBadFormOrPathIsAClientErrorPageNeverA5xx() throws Exception {
    String cookie = signIn(WebViewFixture.OPS_KEY);
    String token = token(cookie, "csrf");
    assertThat(post("/admin/accounts/csrf/no-such-action", cookie, "csrf=" + token).statusCode()).isEqualTo(404);
    assertThat(post("/admin/partners/x", cookie, "csrf=" + token).statusCode()).isEqualTo(404);
    HttpResponse<String> noGoal = post("/admin/accounts/csrf/goals", cookie, "csrf=" + token);
    assertThat(noGoal.statusCode()).isEqualTo(400);
    assertThat(noGoal.body()).contains("MISSING_PARAMETER", "goal_key");
    HttpResponse<String> badMap = post("/admin/accounts/csrf/status-handling", cookie,
        "csrf=" + token + "&response_format=json&status_map=" + WebViewFixture.enc("sale = approved\nlead = maybe"));
    assertThat(badMap.statusCode()).isEqualTo(400);
    assertThat(badMap.body()).contains("INVALID_PARAMETER", "line 2");
    HttpResponse<String> badGoal = post("/admin/accounts/csrf/goals", cookie, "csrf=" + token + "&goal_key=" + WebViewFixture.enc("Not A Key!"));
    assertThat(badGoal.statusCode()).as(badGoal.body()).isEqualTo(400);
    assertThat(badGoal.body()).contains("href=\"/admin/accounts/csrf\"");
    HttpResponse<String> duplicate = post("/admin/accounts/csrf/goals", cookie, "csrf=" + token + "&goal_key=sale");
    assertThat(duplicate.statusCode()).isEqualTo(409);
    assertThat(duplicate.body()).contains("GOAL_ALREADY_EXISTS");
    HttpResponse<String> json = HTTP.send(HttpRequest.newBuilder(URI.create(kcid.view("/admin/accounts/csrf/goals")))
        .header("Cookie", cookie).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"goal_key\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(json.statusCode()).isEqualTo(415);
    HttpResponse<String> huge = post("/admin/accounts/csrf/goals", cookie, "csrf=" + token + "&goal_key=big&pad=" + "a".repeat(20_000));
    assertThat(huge.statusCode()).isEqualTo(413);
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(kcid.view("/admin/accounts/csrf/goals")))
        .header("Cookie", cookie).PUT(HttpRequest.BodyPublishers.ofString("csrf=" + token)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).isIn(405);
    assertThat(kcid.admin.listGoals(ListGoalsRequest.newBuilder().setAccountId("csrf").build()).getGoalsList())
        .noneMatch(g -> g.getGoalKey().equals("big") || g.getGoalKey().equals("x"));
  }

  @Test
  void aPartnerAdminActsOnItsAccountsOnlyAndAReadKeyNowhere() throws Exception {
    kcid.partner("pa-own");
    kcid.partner("pa-other");
    kcid.account("pa-own-a", "pa-own");
    kcid.account("pa-other-a", "pa-other");
    String partnerAdmin = kcid.key("pa-own-admin", "pa-own", ApiKeyRole.API_KEY_ROLE_READ, ApiKeyRole.API_KEY_ROLE_ADMIN);
    String cookie = signIn(partnerAdmin);
    String token = token(cookie, "pa-own-a");

    HttpResponse<String> own = post("/admin/accounts/pa-own-a/goals", cookie, "goal_key=signup&csrf=" + token);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(303);
    HttpResponse<String> other = post("/admin/accounts/pa-other-a/goals", cookie, "goal_key=signup&csrf=" + token);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
    assertThat(other.body()).contains("API_KEY_SCOPE_DENIED", "pa-own-admin", "nothing was changed");
    assertNoGoal("pa-other-a", "signup");
    assertThat(get("/admin/accounts/pa-other-a/settings", cookie).statusCode()).isEqualTo(403);

    // The partner's own destinations, from its page: created, paused, shown, deleted; another partner's refused.
    HttpResponse<String> created = post("/admin/partners/pa-own/destinations", cookie,
        "csrf=" + token + "&destination_id=network&kind=postback&url=" + WebViewFixture.enc("http://127.0.0.1:9/pb?k={kcid}"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
    assertThat(created.headers().firstValue("Location")).hasValue("/admin/partners/pa-own");
    assertThat(post("/admin/partners/pa-own/destinations/network/pause", cookie, "csrf=" + token).statusCode()).isEqualTo(303);
    assertThat(kcid.deliveries.getDestination(GetDestinationRequest.newBuilder().setPartnerId("pa-own").setDestinationId("network")
        .build()).getDestination().getPaused()).isTrue();
    String partnerPage = get("/admin/partners/pa-own", cookie).body();
    assertThat(partnerPage).contains("Destination network paused.", "<tr id=\"destination-network\"><td>network</td><td>partner pa-own</td>",
        "action=\"/admin/partners/pa-own/destinations/network/resume\"");
    // On its accounts' pages too, naming its owner.
    assertThat(get("/admin/accounts/pa-own-a/deliveries", cookie).body())
        .contains("action=\"/admin/accounts/pa-own-a/destinations/network/resume\"", "name=\"owner_partner\" value=\"pa-own\"");
    assertThat(post("/admin/partners/pa-other/destinations", cookie,
        "csrf=" + token + "&destination_id=network&url=" + WebViewFixture.enc("http://127.0.0.1:9/pb")).statusCode()).isEqualTo(403);
    assertThat(post("/admin/partners/pa-own/destinations/network/delete", cookie, "csrf=" + token).statusCode()).isEqualTo(303);
    assertThat(kcid.deliveries.listDestinations(ListDestinationsRequest.newBuilder().setPartnerId("pa-own").build())
        .getDestinationsList()).isEmpty();
    assertThat(kcid.deliveries.listDestinations(ListDestinationsRequest.newBuilder().setPartnerId("pa-other").build())
        .getDestinationsList()).isEmpty();

    // A webhook's signing secret is shown once, on the answer to its creation.
    HttpResponse<String> webhook = post("/admin/accounts/pa-own-a/destinations", cookie,
        "csrf=" + token + "&destination_id=hook&kind=webhook&url=" + WebViewFixture.enc("http://127.0.0.1:9/hook"));
    assertThat(webhook.statusCode()).as(webhook.body()).isEqualTo(200);
    assertThat(webhook.body()).containsPattern("<code id=\"signing-secret\">whsec_[A-Za-z0-9+/=_-]{40,}</code>");
    assertThat(get("/admin/accounts/pa-own-a/deliveries", cookie).body()).contains("<td>hook</td>").doesNotContain("whsec_");

    // A read-only key sees the pages, and its forms are refused by the server for the missing role.
    String readCookie = signIn(WebViewFixture.READ_KEY);
    HttpResponse<String> settings = get("/admin/accounts/pa-own-a/settings", readCookie);
    assertThat(settings.statusCode()).isEqualTo(403);
    assertThat(settings.body()).contains("API_KEY_ROLE_MISSING", "&#39;reader&#39; has no admin role");
    HttpResponse<String> deliveriesPage = get("/admin/accounts/pa-own-a/deliveries", readCookie);
    Matcher field = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]{43})\"").matcher(deliveriesPage.body());
    assertThat(field.find()).as(deliveriesPage.body()).isTrue();
    HttpResponse<String> refused = post("/admin/accounts/pa-own-a/goals", readCookie, "goal_key=nope&csrf=" + field.group(1));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("API_KEY_ROLE_MISSING", "&#39;reader&#39; has no admin role");
    assertNoGoal("pa-own-a", "nope");
  }
}
