package io.kcid.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kcid postback}: sends a postback through the HTTP edge exactly as an advertiser's server
 * would, and prints the edge's answer. The token travels in the Authorization header, not the URL.
 */
@Command(name = "postback", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid postback --account acme --kcid \"$KCID\" --goal purchase \\",
      "      --value 12.50 --currency USD --txid order-1001",
      "  ./kcid postback --account acme --kcid \"$KCID\" --goal purchase --sign"},
    description = "Send a test postback to the edge and print its answer.")
final class PostbackCommand implements Callable<Integer> {
  @Option(names = "--kcid", required = true, description = "The kcid from the landing page.")
  String kcid;

  @Option(names = "--goal", defaultValue = "", description = "Goal key; default: the account's default goal.")
  String goal;

  @Option(names = "--value", defaultValue = "", description = "Conversion value, e.g. 12.50.")
  String value;

  @Option(names = "--currency", defaultValue = "", description = "ISO 4217 currency, e.g. USD.")
  String currency;

  @Option(names = "--txid", defaultValue = "", description = "Transaction / order id.")
  String txid;

  @Option(names = "--status", defaultValue = "", description = "approved | pending | rejected.")
  String status;

  @Option(names = "--token", defaultValue = "${env:KCID_POSTBACK_TOKEN}",
      description = "Postback token (KCID_POSTBACK_TOKEN); default: the copy saved for --account.")
  String token;

  @Option(names = "--account", defaultValue = "", description = "Account whose saved token to use.")
  String account;

  @Option(names = "--edge", defaultValue = "${env:KCID_EDGE_URL:-http://localhost:8080}",
      description = "Edge base URL (KCID_EDGE_URL). Default: ${DEFAULT-VALUE}")
  String edge;

  @Option(names = "--sign", description = "Authenticate with an X-Kcid-Signature (the saved signing secret of --account) instead of the token.")
  boolean sign;

  @Option(names = "--json", description = "Print only the edge's JSON body.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("kcid", kcid);
    params.put("goal", goal);
    params.put("value", value);
    params.put("currency", currency);
    params.put("txid", txid);
    params.put("status", status);
    StringJoiner query = new StringJoiner("&");
    params.forEach((k, v) -> {
      if (!v.isEmpty()) {
        query.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(edge.replaceAll("/+$", "") + "/postback?" + query))
        .timeout(Duration.ofSeconds(10))
        .GET();
    if (sign) {
      Map<String, String> sent = new LinkedHashMap<>(params);
      sent.values().removeIf(String::isEmpty);
      String secret = saved().signingSecret();
      request.header(io.kcid.core.postback.PostbackSigner.HEADER, io.kcid.core.postback.PostbackSigner.header(
          secret, java.time.Instant.now().getEpochSecond(), io.kcid.core.postback.PostbackSigner.queryPayload(sent)));
    } else {
      request.header("Authorization", "Bearer " + (token != null && !token.isEmpty() ? token : saved().postbackToken()));
    }
    HttpResponse<String> response;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.net.ConnectException e) {
      throw new CliException("cannot reach the edge at " + edge + " (is `./kcid up` running? KCID_EDGE_URL)");
    }
    if (!json) {
      System.out.println("HTTP " + response.statusCode());
    }
    System.out.println(response.body());
    return response.statusCode() / 100 == 2 ? 0 : 1;
  }

  private LocalCredentials.Secrets saved() {
    if (account.isEmpty()) {
      throw new CliException("pass --token, or --account of an account created with this CLI");
    }
    return LocalCredentials.load(account)
        .orElseThrow(() -> new CliException("no saved secrets for account '" + account + "': pass --token"));
  }
}
