package io.kcid.client.example;

import io.kcid.client.ClickUrls;
import io.kcid.client.KcidClient;
import io.kcid.client.KcidClientOptions;
import io.kcid.client.KcidException;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

/**
 * The README walkthrough through the Java client, against a running {@code ./kcid up}: gRPC on
 * {@code localhost:9090} and the edge on {@code http://localhost:8080} (override with the
 * environment variables {@code KCID_GRPC_ADDR} and {@code KCID_EDGE_URL}), with the API key in
 * {@code KCID_API_KEY} (e.g. {@code .kcid/api-keys/local-admin}; {@code ./kcid up} needs none unless
 * started with {@code KCID_AUTH=required}).
 */
public final class Walkthrough {
  private Walkthrough() {}

  public static void main(String[] args) throws Exception {
    String target = System.getenv().getOrDefault("KCID_GRPC_ADDR", "localhost:9090");
    String edge = System.getenv().getOrDefault("KCID_EDGE_URL", "http://localhost:8080");

    try (KcidClient kcid = KcidClient.connect(KcidClientOptions.builder()
        .target(target).plaintext().apiKey(System.getenv("KCID_API_KEY")).build())) {
      // 0. A partner (an agency or reseller) owns accounts; S2S tracking is on for it.
      String partnerId = "example-agency-" + UUID.randomUUID().toString().substring(0, 8);
      kcid.partners().createPartner(
          CreatePartnerRequest.newBuilder().setPartnerId(partnerId).setDisplayName("Example Agency").build());
      System.out.println("partner      " + partnerId);

      // 1. An advertiser account under it; its postback token and click secret are shown only now.
      String accountId = "example-" + UUID.randomUUID().toString().substring(0, 8);
      CreateAccountResponse account = kcid.admin().createAccount(CreateAccountRequest.newBuilder()
          .setAccountId(accountId).setDisplayName("Example Shoes").setPartnerId(partnerId).build());
      String token = account.getSecrets().getPostbackToken();
      String clickSecret = account.getSecrets().getClickSecret();
      System.out.println("account      " + accountId);

      // 2a. Mint a kcid server-to-server.
      String issued = kcid.clicks().issueClick(IssueClickRequest.newBuilder()
              .setAccountId(accountId)
              .setCampaignId("spring-sale")
              .setDestinationUrl("https://shop.example/landing")
              .build())
          .getClick().getKcid();
      System.out.println("issued kcid  " + issued);

      // 2b. Or sign a click URL for the edge and follow it as a browser would.
      String url = ClickUrls.signedUrl(edge,
          Map.of("a", accountId, "c", "spring-sale", "s1", "pub42", "u", "https://shop.example/landing?ref=ad"),
          clickSecret);
      System.out.println("click URL    " + url);
      HttpResponse<Void> redirect = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
          .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding());
      String location = redirect.headers().firstValue("Location").orElseThrow();
      System.out.println("redirect     " + redirect.statusCode() + " " + location);
      String clicked = location.substring(location.lastIndexOf("kcid=") + "kcid=".length());

      // 3. The advertiser posts the conversion back; 4. a retry is a duplicate, not a second sale.
      RecordConversionRequest postback = RecordConversionRequest.newBuilder()
          .setKcid(clicked)
          .setValue(Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR"))
          .setTransactionId("order-1001")
          .setCredentials(PostbackCredentials.newBuilder().setToken(token))
          .build();
      RecordConversionResponse first = kcid.conversions().recordConversion(postback);
      System.out.println("postback     " + first.getOutcome() + " " + first.getConversionId());
      RecordConversionResponse again = kcid.conversions().recordConversion(postback);
      System.out.println("again        " + again.getOutcome() + " " + again.getDuplicateReason()
          + " " + again.getConversionId());

      // 5. Mistakes explain themselves.
      char[] typo = clicked.toCharArray();
      typo[20] = typo[20] == '0' ? '1' : '0';
      try {
        kcid.conversions().recordConversion(postback.toBuilder().setKcid(new String(typo)).build());
      } catch (KcidException e) {
        System.out.println("mistyped     " + e.code() + " " + e.reasonName() + ": " + e.description());
      }
    }
  }
}
