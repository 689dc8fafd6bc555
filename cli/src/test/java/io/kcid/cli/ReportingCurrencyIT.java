package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kcid.core.click.ClickUrlSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One reporting currency end to end: an operator loads ECB's daily file with {@code ./kcid fx
 * load}, an account made with {@code --reporting-currency EUR} gets a USD postback through the
 * edge, and the CLI shows the conversion's converted value (conversions, explain) and the
 * converted total (stats); a GBP postback before its rate is loaded shows as missing, then
 * converted once {@code fx load} brought the rate.
 */
class ReportingCurrencyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  private static final String ECB_DAY = TODAY.format(DateTimeFormatter.ofPattern("dd MMMM yyyy", Locale.ENGLISH));

  private static EdgeStack stack;

  @BeforeAll
  static void start() {
    stack = new EdgeStack();
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  private static InProcessCli.Run kcid(String... args) {
    return stack.kcid(args);
  }

  private static String click(String account, String clickSecret) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account);
    params.put("c", "fx");
    params.put("u", "https://shop.example/landing");
    String url = ClickUrlSigner.signedUrl(stack.edgeUrl(), params, clickSecret);
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(302);
    String location = response.headers().firstValue("Location").orElseThrow();
    return location.substring(location.indexOf("kcid=") + 5);
  }

  private static void postback(String kcid, String token, String value, String currency) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.edgeUrl()
            + "/postback?kcid=" + kcid + "&token=" + token + "&value=" + value + "&currency=" + currency)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("status").asText()).isEqualTo("accepted");
  }

  private static JsonNode conversion(String kcid) throws Exception {
    InProcessCli.Run listed = kcid("conversions", "--kcid", kcid, "-o", "json");
    assertThat(listed.exit()).as(listed.err()).isZero();
    return JSON.readTree(listed.out()).get("conversions").get(0);
  }

  @Test
  void aUsdPostbackOfAnEurAccountShowsItsConvertedValueEverywhereAndAMissingRateResolvesOnLoad() throws Exception {
    // ECB's eurofxref.csv as published (spaces, trailing comma), zipped as ECB serves it, one bad cell.
    Path zip = Files.createTempFile("eurofxref", ".zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      out.putNextEntry(new ZipEntry("eurofxref.csv"));
      out.write(("Date, USD, JPY, CHF, \n" + ECB_DAY + ", 1.0843, 162.50, oops, \n").getBytes());
      out.closeEntry();
    }
    InProcessCli.Run load = kcid("fx", "load", zip.toString());
    assertThat(load.exit()).as("a bad cell makes the exit code 1").isEqualTo(1);
    assertThat(load.out()).contains("loaded 2 rates of 1 days (" + TODAY + " to " + TODAY + ")");
    assertThat(load.err()).contains(zip + ":2: CHF: 'oops' is not a rate");
    InProcessCli.Run list = kcid("fx", "list", "--currency", "USD,JPY");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.out()).contains(TODAY + "  JPY=162.5  USD=1.0843");

    InProcessCli.Run created = kcid("account", "create", "--name", "FX shop", "--reporting-currency", "eur", "-o", "json");
    assertThat(created.exit()).as(created.err()).isZero();
    JsonNode account = JSON.readTree(created.out());
    assertThat(account.get("account").get("reporting_currency").asText()).isEqualTo("EUR");
    String id = account.get("account").get("account_id").asText();
    String token = account.get("secrets").get("postback_token").asText();
    String clickSecret = account.get("secrets").get("click_secret").asText();

    String usdClick = click(id, clickSecret);
    postback(usdClick, token, "100.00", "usd");
    JsonNode usd = conversion(usdClick);
    assertThat(usd.get("value").get("amount").asText()).isEqualTo("100.00");
    assertThat(usd.get("value").get("currency_code").asText()).isEqualTo("USD");
    assertThat(usd.get("converted_value").get("amount").asText()).isEqualTo("92.23");
    assertThat(usd.get("converted_value").get("currency_code").asText()).isEqualTo("EUR");
    assertThat(usd.get("fx_state").asText()).isEqualTo("converted");
    assertThat(usd.get("fx_rate_date").asText()).isEqualTo(TODAY.toString());
    assertThat(usd.get("fx_rate").asText()).startsWith("0.92225398874");
    InProcessCli.Run explain = kcid("explain", usdClick);
    assertThat(explain.exit()).as(explain.err()).isZero();
    assertThat(explain.out()).contains("100.00 USD = 92.23 EUR (rate 0.92225398874", "of " + TODAY + ")");

    // GBP has no rate yet: recorded, marked missing, never guessed.
    String gbpClick = click(id, clickSecret);
    postback(gbpClick, token, "50.00", "GBP");
    assertThat(conversion(gbpClick).get("fx_state").asText()).isEqualTo("rate-missing");
    InProcessCli.Run before = kcid("stats", "--account", id, "--since", "1d");
    assertThat(before.exit()).as(before.err()).isZero();
    assertThat(before.out()).contains("approved in EUR", "no rate for: GBP " + TODAY);
    assertThat(before.out().lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow()).endsWith("92.23 *");

    Path daily = Files.createTempFile("eurofxref", ".csv");
    Files.writeString(daily, "Date, GBP, \n" + ECB_DAY + ", 0.8500, \n");
    assertThat(kcid("fx", "load", daily.toString()).exit()).isZero();
    JsonNode gbp = conversion(gbpClick);
    assertThat(gbp.get("fx_state").asText()).isEqualTo("converted-at-read");
    assertThat(gbp.get("converted_value").get("amount").asText()).isEqualTo("58.82"); // 50 / 0.85
    InProcessCli.Run after = kcid("stats", "--account", id, "--since", "1d", "-o", "json");
    assertThat(after.exit()).as(after.err()).isZero();
    JsonNode total = JSON.readTree(after.out()).get("total");
    // 92.2253… + 58.8235… = 151.0489…, rounded once.
    assertThat(total.get("reporting_value").get("approved_amount").asText()).isEqualTo("151.05");
    assertThat(total.path("missing_rates")).isEmpty();
    InProcessCli.Run inUsd = kcid("stats", "--account", id, "--since", "1d", "--currency", "USD", "-o", "json");
    assertThat(JSON.readTree(inUsd.out()).get("total").get("reporting_value").get("approved_amount").asText())
        .isEqualTo("163.78"); // 100 + 50 × 1.0843 / 0.85 = 163.782…
    Files.deleteIfExists(zip);
    Files.deleteIfExists(daily);
  }
}
