package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
import picocli.CommandLine.Mixin;
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

  @Option(names = "--status", defaultValue = "",
      description = "approved | pending | rejected, or a word of the account's status map.")
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

  /** JSON and csv carry the edge's answer as it is (docs/http-api.md); the table adds its HTTP status. */
  @Mixin OutputOptions output;

  @Override
  public Integer call() throws Exception {
    Output out = new Output(output, Output.itself(), "conversion_id");
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
    } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
      throw CliException.unavailable("cannot reach the edge at " + edge + " (is `./kcid up` running? KCID_EDGE_URL)");
    }
    int status = response.statusCode();
    ObjectNode answer = answer(response.body());
    Runnable table = () -> {
      System.out.println("HTTP " + status);
      System.out.println(response.body());
    };
    if (answer != null) {
      out.print(answer, table);
    } else if (output.forScripts()) {
      System.out.println(response.body());
    } else {
      table.run();
    }
    return exitCode(status);
  }

  /** 2xx: 0; told to retry later (429, 502, 503, 504): 3; refused: 1. */
  static int exitCode(int httpStatus) {
    if (httpStatus / 100 == 2) {
      return 0;
    }
    return httpStatus == 429 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504 ? 3 : 1;
  }

  private static ObjectNode answer(String body) {
    try {
      return CliJson.MAPPER.readTree(body) instanceof ObjectNode o ? o : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private LocalCredentials.Secrets saved() {
    if (account.isEmpty()) {
      throw new CliException("pass --token, or --account of an account created with this CLI");
    }
    return LocalCredentials.load(account)
        .orElseThrow(() -> new CliException("no saved secrets for account '" + account + "': pass --token"));
  }
}
