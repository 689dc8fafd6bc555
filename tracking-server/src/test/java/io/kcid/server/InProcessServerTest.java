package io.kcid.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The whole server, wired as in production, on an in-process transport: no port, no network. */
class InProcessServerTest {
  @Test
  void issuesAClickAndRecordsItsConversion() {
    String name = InProcessServerBuilder.generateName();
    try (LocalRedis redis = LocalRedis.startTemporary();
        TrackingServer server = TrackingServer.start(TestServers.config(redis.url()), InProcessServerBuilder.forName(name))) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        var account = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .createAccount(CreateAccountRequest.getDefaultInstance());
        String kcid = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .issueClick(IssueClickRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
                .setCampaignId("spring").build())
            .getClick().getKcid();
        var recorded = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setTransactionId("o-1")
                .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
                .build());
        assertThat(recorded.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
        assertThat(recorded.getConversion().getKcid()).isEqualTo(kcid);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
