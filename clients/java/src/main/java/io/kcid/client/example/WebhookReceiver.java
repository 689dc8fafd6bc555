package io.kcid.client.example;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.kcid.client.WebhookVerificationException;
import io.kcid.client.WebhookVerifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Receives kcid webhooks: verifies each one's signature with the destination's signing secret
 * ({@code KCID_WEBHOOK_SECRET}; during a rotation both, space-separated), then parses the JSON body,
 * and answers 204 (401 to a webhook that does not verify, which kcid does not retry). Port 8000
 * unless the first argument says otherwise. Create the destination with {@code
 * kcid.deliveries().createWebhook(Owner.account("acme"), "", "http://this-host:8000/kcid")}: its
 * signing secret is returned once.
 */
public final class WebhookReceiver {
  /** kcid delivers at least once, with the same webhook-id on every retry: the ids handled. */
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final WebhookVerifier verifier;

  public WebhookReceiver(WebhookVerifier verifier) {
    this.verifier = verifier;
  }

  /** What to answer, and the event when it is new and verified. */
  public record Outcome(int status, Optional<JsonObject> event) {}

  /** Verifies and parses one webhook; {@code body} is the raw bytes, which are what was signed. */
  public Outcome receive(Map<String, ?> headers, byte[] body) {
    try {
      verifier.verify(headers, body);
    } catch (WebhookVerificationException refused) {
      System.err.println("refused a webhook: " + refused.reason()); // the reason, never the secret
      return new Outcome(401, Optional.empty());
    }
    JsonObject event = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
    String id = event.getAsJsonObject("data").get("delivery_id").getAsString(); // = webhook-id
    return new Outcome(204, seen.add(id) ? Optional.of(event) : Optional.empty());
  }

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
    String secrets = System.getenv().getOrDefault("KCID_WEBHOOK_SECRET", "");
    WebhookReceiver receiver = new WebhookReceiver(WebhookVerifier.of(Arrays.asList(secrets.trim().split("\\s+"))));
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/kcid", exchange -> {
      Outcome outcome = receiver.receive(exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
      outcome.event().ifPresent(event -> {
        JsonObject data = event.getAsJsonObject("data");
        System.out.println(event.get("type").getAsString() + " " + data.get("conversion_id").getAsString()
            + " " + data.get("kcid").getAsString() + " " + data.get("goal").getAsString()
            + " " + data.get("status").getAsString());
      });
      exchange.sendResponseHeaders(outcome.status(), -1);
      exchange.close();
    });
    server.start();
    System.out.println("receiving kcid webhooks on port " + port);
  }
}
