package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.TestServers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The delivery loop inside a running server: a conversion recorded over gRPC reaches the sender
 * without waiting for a poll, and a server stopped gracefully lets it finish first.
 */
class DeliveryWorkersTest {
  @Test
  void aRecordedConversionIsSentByTheServersOwnWorkers() throws Exception {
    FixedDirectory directory = new FixedDirectory();
    RecordingSender sender = new RecordingSender();
    try (TestRedis redis = Topology.STANDALONE.start()) {
      TrackingServer server = TrackingServer.start(TestServers.config(redis.url()), new DeliveryParts(directory, sender));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        var a = admin.createAccount(CreateAccountRequest.getDefaultInstance());
        String id = a.getAccount().getAccountId();
        directory.put(id, Destination.newBuilder().setAccountId(id).setDestinationId("hook")
            .setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl("http://127.0.0.1:1/").build());
        String kcid = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").build()).getClick().getKcid();
        var conversion = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setRequestId("r1")
                .setCredentials(PostbackCredentials.newBuilder().setToken(a.getSecrets().getPostbackToken())).build());
        assertThat(conversion.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sender.to("hook").isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(sender.to("hook")).hasSize(1);
        OutboundMessage sent = sender.to("hook").get(0);
        assertThat(sent.event().conversion().getConversionId()).isEqualTo(conversion.getConversionId());
        assertThat(sent.event().trigger()).isEqualTo(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED);
        assertThat(sent.event().click().getCampaignId()).isEqualTo("c");
        assertThat(sent.deliveryId()).startsWith("dlv_");
      } finally {
        channel.shutdownNow();
        server.close();
      }
      // Nothing is sent twice after the job was settled.
      assertThat(sender.to("hook")).hasSize(1);
    }
  }
}
