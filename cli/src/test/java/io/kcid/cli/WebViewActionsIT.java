package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.server.store.redis.testing.Topology;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web view acting, driven in real headless Chromium by clicks and form submissions (Selenium
 * WebDriver with Debian's chromedriver), against a real edge, tracking-server and Redis (one
 * redis-server, and a three-node Cluster):
 * every change the pages show is checked again over gRPC, and a read-only key's clicks change
 * nothing and land on a page saying why.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class WebViewActionsIT {
  @Parameter Topology topology;

  private static WebViewFixture kcid;
  private static WebDriver browser;
  private static HttpServer receiver;
  private static final AtomicInteger receiverStatus = new AtomicInteger(400);
  private static final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) throws Exception {
    kcid = new WebViewFixture(topology);
    received.clear();
    receiverStatus.set(400);
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/pb", exchange -> {
      received.add(exchange.getRequestURI().getRawQuery());
      exchange.sendResponseHeaders(receiverStatus.get(), -1);
      exchange.close();
    });
    receiver.start();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(WebViewFixture.executable("chromium", "chromium", "chromium-browser"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,900",
        "--user-data-dir=" + Files.createTempDirectory("kcid-selenium"));
    // Debian's chromedriver, matching Debian's chromium: Selenium Manager never downloads anything.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(WebViewFixture.executable("chromium-driver", "chromedriver"))).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
    if (kcid != null) {
      kcid.close();
    }
  }

  /** Signs in through the login form, as a human would, and follows the link home. */
  private static void signIn(String key) {
    browser.manage().deleteAllCookies();
    browser.get(kcid.view("/admin/login"));
    browser.findElement(By.name("key")).sendKeys(key);
    clickAndWait(By.cssSelector("form[action='/admin/login'] button"));
    click("home");
  }

  /** The one-time message of the page the last action led to (the page's text when there is none, for the failure). */
  private static String flash() {
    List<WebElement> flash = browser.findElements(By.id("flash"));
    assertThat(flash).as(browser.getCurrentUrl() + ":\n" + browser.findElement(By.tagName("body")).getText()).hasSize(1);
    return flash.get(0).getText();
  }

  private static String stateOf(String rowId) {
    return browser.findElement(By.id(rowId)).findElement(By.className("state")).getText();
  }

  private static void click(String id) {
    clickAndWait(By.id(id));
  }

  /**
   * Clicks what leads to another page and waits for that page: the clicked element gone stale (the old
   * page is unloaded) and the new document complete. A loaded machine may take its time.
   */
  private static void clickAndWait(By by) {
    WebElement element = browser.findElement(by);
    element.click();
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    wait.until(d -> {
      try {
        element.isEnabled();
        return false;
      } catch (StaleElementReferenceException gone) {
        return true;
      } catch (WebDriverException leaving) {
        // Mid-navigation Chromium may answer "Node with given id does not belong to the document"
        // instead of a stale reference: the old page's node is gone all the same.
        return true;
      }
    });
    wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
  }

  @Test
  void anAdminManagesGoalsStatusWordsDestinationsReplaysAndRedeliveriesByClicking() throws Exception {
    String token = kcid.account("acts", "");
    signIn(WebViewFixture.OPS_KEY);
    assertThat(browser.getCurrentUrl()).endsWith("/admin/partners");
    browser.get(kcid.view("/admin/accounts/acts"));
    clickAndWait(By.linkText("Settings"));
    assertThat(browser.getTitle()).isEqualTo("Settings of acts - kcid");

    // Create a goal, then pause it.
    browser.findElement(By.id("goal-key")).sendKeys("lead");
    browser.findElement(By.id("goal-name")).sendKeys("Lead form");
    click("create-goal-submit");
    assertThat(flash()).isEqualTo("Goal lead created.");
    assertThat(stateOf("goal-lead")).isEqualTo("active");
    click("goal-lead-pause");
    assertThat(flash()).isEqualTo("Goal lead paused.");
    assertThat(stateOf("goal-lead")).isEqualTo("paused");
    assertThat(kcid.admin.getGoal(GetGoalRequest.newBuilder().setAccountId("acts").setGoalKey("lead").build()).getGoal())
        .satisfies(g -> {
          assertThat(g.getState()).isEqualTo(GoalState.GOAL_STATE_PAUSED);
          assertThat(g.getDisplayName()).isEqualTo("Lead form");
        });

    // Two postbacks refused for the account's setup: a paused goal, a status word it does not map.
    String pausedClick = kcid.click("acts");
    assertThat(kcid.postback(pausedClick, "lead", token, null).statusCode()).isEqualTo(422);
    String unmappedClick = kcid.click("acts");
    HttpResponse<String> unmapped = kcid.postback(unmappedClick, "sale", token, "billed");
    assertThat(unmapped.body()).contains("STATUS_NOT_MAPPED");

    // Map the word, answer "OK", resume the goal.
    WebElement map = browser.findElement(By.id("status-map"));
    map.clear();
    map.sendKeys("billed = approved\nchargeback = rejected");
    new Select(browser.findElement(By.id("response-format"))).selectByValue("text-ok");
    click("status-handling-submit");
    assertThat(flash()).isEqualTo("Status handling saved: 2 mapped words, ignore status off, answer text-ok.");
    assertThat(browser.findElement(By.id("status-map-table")).getText()).contains("billed approved", "chargeback rejected");
    var account = kcid.admin.getAccount(GetAccountRequest.newBuilder().setAccountId("acts").build()).getAccount();
    assertThat(account.getStatusMapMap()).containsEntry("billed", ConversionStatus.CONVERSION_STATUS_APPROVED)
        .containsEntry("chargeback", ConversionStatus.CONVERSION_STATUS_REJECTED).hasSize(2);
    assertThat(account.getPostbackResponseFormat()).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK);
    HttpResponse<String> mapped = kcid.postback(kcid.click("acts"), "sale", token, "billed");
    assertThat(mapped.statusCode()).isEqualTo(200);
    assertThat(mapped.body()).isEqualTo("OK");
    click("goal-lead-resume");
    assertThat(flash()).isEqualTo("Goal lead resumed.");
    assertThat(stateOf("goal-lead")).isEqualTo("active");

    // Replay: a dry run shows both would now be recorded and writes nothing; the confirmation records them.
    clickAndWait(By.linkText("Postback log"));
    click("replay-dry-run");
    assertThat(browser.findElement(By.id("replay-summary")).getText())
        .isEqualTo("2 rejected postbacks in the window; 2 would be recorded.");
    String results = browser.findElement(By.id("replay-results")).getText();
    assertThat(results).contains(pausedClick, "GOAL_PAUSED", unmappedClick, "STATUS_NOT_MAPPED");
    assertThat(conversions(pausedClick)).as("a dry run records nothing").isZero();
    assertThat(conversions(unmappedClick)).isZero();
    click("replay-confirm-submit");
    assertThat(flash()).isEqualTo("Replayed 2 rejected postbacks: 2 accepted.");
    assertThat(browser.getCurrentUrl()).endsWith("/admin/accounts/acts/postbacks");
    assertThat(conversions(pausedClick)).isEqualTo(1);
    assertThat(conversions(unmappedClick)).isEqualTo(1);

    // A destination created from the page; its first job fails for good (400) and lands dead-lettered.
    clickAndWait(By.linkText("Deliveries"));
    browser.findElement(By.id("destination-id")).sendKeys("crm");
    browser.findElement(By.id("destination-url"))
        .sendKeys("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?k={kcid}&s={status}");
    click("create-destination-submit");
    assertThat(flash()).isEqualTo("Destination crm created.");
    assertThat(stateOf("destination-crm")).isEqualTo("active");
    String delivered = kcid.click("acts");
    assertThat(kcid.postback(delivered, "sale", token, null).statusCode()).isEqualTo(200);
    await().atMost(30, TimeUnit.SECONDS).until(() -> kcid.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder()
        .setAccountId("acts").setFailedOnly(true).build()).getDeliveriesCount() == 1);
    assertThat(received).containsExactly("k=" + delivered + "&s=approved");

    // Redeliver: the preview lists the job and queues nothing; the confirmation queues it, now answered 200.
    receiverStatus.set(200);
    browser.navigate().refresh();
    click("redeliver-preview");
    assertThat(browser.findElement(By.id("redeliver-summary")).getText()).isEqualTo("1 jobs would be queued again.");
    String job = browser.findElement(By.id("redeliver-jobs")).findElements(By.tagName("td")).get(0).getText();
    assertThat(deliveryState(job)).isEqualTo(DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    click("redeliver-confirm-submit");
    assertThat(flash()).isEqualTo("Queued 1 jobs again: " + job + ".");
    await().atMost(30, TimeUnit.SECONDS).until(() -> deliveryState(job) == DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(received).containsExactly("k=" + delivered + "&s=approved", "k=" + delivered + "&s=approved");

    // Pause and resume it; create another and delete that one.
    browser.navigate().refresh();
    click("destination-crm-pause");
    assertThat(flash()).isEqualTo("Destination crm paused.");
    assertThat(stateOf("destination-crm")).isEqualTo("paused");
    assertThat(destinationPaused("crm")).isTrue();
    click("destination-crm-resume");
    assertThat(flash()).isEqualTo("Destination crm resumed.");
    assertThat(destinationPaused("crm")).isFalse();
    browser.findElement(By.id("destination-id")).sendKeys("tmp");
    browser.findElement(By.id("destination-url")).sendKeys("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?k={kcid}");
    browser.findElement(By.id("new-destination-word-pending")).sendKeys("wait");
    click("create-destination-submit");
    assertThat(stateOf("destination-tmp")).isEqualTo("active");
    assertThat(kcid.deliveries.getDestination(GetDestinationRequest.newBuilder().setAccountId("acts").setDestinationId("tmp").build())
        .getDestination().getStatusMapMap()).containsOnly(Map.entry("pending", "wait"));
    // Edit its URL and goals in place; the server checks the new URL as at creation.
    browser.findElement(By.id("destination-tmp-edit")).click();
    WebElement url = browser.findElement(By.id("destination-tmp-url"));
    url.clear();
    url.sendKeys("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb2?k={kcid}&g={goal}");
    browser.findElement(By.id("destination-tmp-goals")).sendKeys("sale");
    // Its delivery settings too: the events it is sent on, the receiver's words, its limits.
    browser.findElement(By.id("destination-tmp-on-approved")).click();
    browser.findElement(By.id("destination-tmp-on-rejected")).click();
    assertThat(browser.findElement(By.id("destination-tmp-word-pending")).getAttribute("value")).isEqualTo("wait");
    browser.findElement(By.id("destination-tmp-word-pending")).clear();
    browser.findElement(By.id("destination-tmp-word-approved")).sendKeys("1");
    browser.findElement(By.id("destination-tmp-word-rejected")).sendKeys("2");
    WebElement concurrency = browser.findElement(By.id("destination-tmp-concurrency"));
    concurrency.clear();
    concurrency.sendKeys("2");
    WebElement rate = browser.findElement(By.id("destination-tmp-rate"));
    rate.clear();
    rate.sendKeys("10");
    click("destination-tmp-edit-submit");
    assertThat(flash()).startsWith("Destination tmp saved: http://127.0.0.1:")
        .endsWith("/pb2?k={kcid}&g={goal}, goals sale; on approved, rejected; approved → 1, rejected → 2; 2 in flight; 10/s.");
    assertThat(browser.findElement(By.cssSelector("#destination-tmp .sends")).getText())
        .isEqualTo("on approved, rejected; approved → 1, rejected → 2; 2 in flight; 10/s");
    assertThat(kcid.deliveries.getDestination(GetDestinationRequest.newBuilder().setAccountId("acts").setDestinationId("tmp").build())
        .getDestination()).satisfies(d -> {
          assertThat(d.getUrl()).endsWith("/pb2?k={kcid}&g={goal}");
          assertThat(d.getGoalKeysList()).containsExactly("sale");
          assertThat(d.getTriggersList()).containsExactly(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED, DeliveryTrigger.DELIVERY_TRIGGER_REJECTED);
          assertThat(d.getStatusMapMap()).containsOnly(Map.entry("approved", "1"), Map.entry("rejected", "2"));
          assertThat(d.getMaxConcurrency()).isEqualTo(2);
          assertThat(d.getMaxRequestsPerSecond()).isEqualTo(10);
        });
    // The form shows what is stored; a limit that is no number is refused and changes nothing.
    browser.findElement(By.id("destination-tmp-edit")).click();
    assertThat(browser.findElement(By.id("destination-tmp-on-approved")).isSelected()).isTrue();
    assertThat(browser.findElement(By.id("destination-tmp-on-accepted")).isSelected()).isFalse();
    assertThat(browser.findElement(By.id("destination-tmp-word-approved")).getAttribute("value")).isEqualTo("1");
    rate = browser.findElement(By.id("destination-tmp-rate"));
    rate.clear();
    rate.sendKeys("ten");
    click("destination-tmp-edit-submit");
    assertThat(browser.findElement(By.id("reason")).getText()).isEqualTo("INVALID_PARAMETER");
    assertThat(browser.findElement(By.id("message")).getText()).contains("'Max requests per second' is a whole number");
    assertThat(kcid.deliveries.getDestination(GetDestinationRequest.newBuilder().setAccountId("acts").setDestinationId("tmp").build())
        .getDestination().getMaxRequestsPerSecond()).isEqualTo(10);
    browser.get(kcid.view("/admin/accounts/acts/deliveries"));
    click("destination-tmp-delete");
    assertThat(flash()).startsWith("Destination tmp deleted");
    assertThat(browser.findElements(By.id("destination-tmp"))).isEmpty();
    assertThat(kcid.deliveries.listDestinations(ListDestinationsRequest.newBuilder().setAccountId("acts").build())
        .getDestinationsList()).extracting(d -> d.getDestinationId()).containsExactly("crm");
  }

  @Test
  void aReadOnlyKeysClicksChangeNothingAndLandOnAPermissionPage() throws Exception {
    kcid.account("readonly", "");
    kcid.deliveries.createDestination(io.kcid.proto.tracking.v1.CreateDestinationRequest.newBuilder().setAccountId("readonly")
        .setDestinationId("ro").setKind(io.kcid.proto.tracking.v1.DestinationKind.DESTINATION_KIND_POSTBACK)
        .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?k={kcid}").build());
    signIn(WebViewFixture.READ_KEY);
    browser.get(kcid.view("/admin/accounts/readonly/deliveries"));
    click("destination-ro-pause");
    assertThat(browser.findElement(By.id("reason")).getText()).isEqualTo("API_KEY_ROLE_MISSING");
    assertThat(browser.findElement(By.id("message")).getText()).contains("'reader' has no admin role", "nothing was changed");
    assertThat(destinationPaused("ro", "readonly")).isFalse();
    click("back");
    clickAndWait(By.linkText("Settings"));
    assertThat(browser.findElement(By.id("reason")).getText()).isEqualTo("API_KEY_ROLE_MISSING");
  }

  @Test
  void anAdminSetsACapFromTheSettingsPageAndAConversionOverItIsRecordedRejected() throws Exception {
    String token = kcid.account("capped", "");
    signIn(WebViewFixture.OPS_KEY);
    browser.get(kcid.view("/admin/accounts/capped/settings"));
    browser.findElement(By.id("cap-id")).sendKeys("two-a-day");
    browser.findElement(By.id("cap-goal")).sendKeys("sale");
    new Select(browser.findElement(By.id("cap-period"))).selectByValue("daily");
    browser.findElement(By.id("cap-max")).sendKeys("2");
    click("set-cap-submit");
    assertThat(flash()).isEqualTo("Cap two-a-day saved: goal sale, daily, at most 2 conversions, then rejected.");
    assertThat(browser.findElement(By.id("cap-two-a-day")).findElement(By.className("used")).getText()).isEqualTo("0");
    assertThat(kcid.admin.listConversionCaps(io.kcid.proto.tracking.v1.ListConversionCapsRequest.newBuilder()
        .setAccountId("capped").build()).getCapsList()).singleElement()
        .satisfies(usage -> assertThat(usage.getCap().getMaxConversions()).isEqualTo(2));

    // Three conversions of the goal today: the third is over the cap, kept rejected with CAP_REACHED.
    List<String> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> answer = kcid.postback(kcid.click("capped"), "sale", token, null);
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      answers.add(answer.body());
    }
    assertThat(answers.get(0)).doesNotContain("CAP_REACHED");
    assertThat(answers.get(1)).doesNotContain("CAP_REACHED");
    assertThat(answers.get(2)).contains("CAP_REACHED");
    browser.navigate().refresh();
    assertThat(browser.findElement(By.id("cap-two-a-day")).findElement(By.className("used")).getText()).isEqualTo("2");
    assertThat(browser.findElement(By.id("cap-changes")).getText()).contains("two-a-day", "goal sale, daily, at most 2 conversions");

    click("cap-two-a-day-delete");
    assertThat(flash()).isEqualTo("Cap two-a-day deleted.");
    assertThat(browser.findElements(By.id("cap-two-a-day"))).isEmpty();
    assertThat(kcid.admin.listConversionCaps(io.kcid.proto.tracking.v1.ListConversionCapsRequest.newBuilder()
        .setAccountId("capped").build()).getCapsList()).isEmpty();
  }

  private static long conversions(String kcid) {
    return WebViewActionsIT.kcid.diagnostics.explainClick(ExplainClickRequest.newBuilder().setKcid(kcid).build()).getConversionsCount();
  }

  private static DeliveryState deliveryState(String deliveryId) {
    return kcid.deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId("acts").build()).getDeliveriesList().stream()
        .filter(d -> d.getDeliveryId().equals(deliveryId)).findFirst().orElseThrow().getState();
  }

  private static boolean destinationPaused(String id) {
    return destinationPaused(id, "acts");
  }

  private static boolean destinationPaused(String id, String account) {
    return kcid.deliveries.getDestination(GetDestinationRequest.newBuilder().setAccountId(account).setDestinationId(id).build())
        .getDestination().getPaused();
  }
}
