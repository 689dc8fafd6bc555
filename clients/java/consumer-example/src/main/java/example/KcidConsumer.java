package example;

import com.google.protobuf.Timestamp;
import io.kcid.client.KcidClient;
import io.kcid.client.KcidClientOptions;
import io.kcid.client.KcidException;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import java.time.Instant;

/**
 * Issues a click, records a conversion on it and prints the account's stats with the kcid Java
 * client, as a program outside the kcid build would: {@code KcidConsumer <host:port> <account>},
 * with the API key in KCID_API_KEY.
 */
public final class KcidConsumer {
  private KcidConsumer() {}

  public static void main(String[] args) {
    String target = args.length > 0 ? args[0] : "localhost:9090";
    String account = args.length > 1 ? args[1] : "consumer-example";
    try (KcidClient kcid = KcidClient.connect(KcidClientOptions.builder()
        .target(target)
        .plaintext()
        .apiKey(System.getenv("KCID_API_KEY")) // issue, ingest, read and admin roles; blank sends none
        .build())) {
      CreateAccountResponse created = kcid.admin().createAccount(
          CreateAccountRequest.newBuilder().setAccountId(account).build());
      String click = kcid.clicks().issueClick(IssueClickRequest.newBuilder()
          .setAccountId(account).setCampaignId("launch").build()).getClick().getKcid();
      kcid.conversions().recordConversion(RecordConversionRequest.newBuilder()
          .setKcid(click)
          .setCredentials(PostbackCredentials.newBuilder().setToken(created.getSecrets().getPostbackToken()))
          .build());
      GetStatsResponse stats = kcid.reports().getStats(GetStatsRequest.newBuilder()
          .setAccountId(account)
          .setStartTime(Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond()))
          .build());
      System.out.println("kcid=" + click + " clicks=" + stats.getTotal().getClicks()
          + " conversions=" + stats.getTotal().getConversions());
    } catch (KcidException e) {
      System.err.println("kcid refused: reason " + e.reasonName() + " (" + e.code() + "): " + e.description());
      System.exit(1);
    }
  }
}
