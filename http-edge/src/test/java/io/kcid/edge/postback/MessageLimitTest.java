package io.kcid.edge.postback;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.proto.GrpcLimits;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One gRPC message limit ({@link GrpcLimits#MAX_MESSAGE_BYTES}, what the tracking-server accepts),
 * not a smaller one assumed at the edge: a signed batch carries its body once per item, so 100 items
 * with a 20 KiB body are a 2 MiB message, which the edge used to refuse 413 against an assumed 1 MiB.
 */
class MessageLimitTest {

  @Test
  void theEdgeChecksForwardedMessagesAgainstTheServersOwnLimit() throws Exception {
    assertThat(PresentedCredentials.MAX_BACKEND_MESSAGE_BYTES).isEqualTo(GrpcLimits.MAX_MESSAGE_BYTES).isEqualTo(16 << 20);
    StringBuilder body = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      body.append(i == 0 ? "" : ",").append("{\"kcid\":\"K").append(i).append("\",\"txid\":\"").append("t".repeat(180)).append("\"}");
    }
    body.append("]");
    assertThat(body.length() * 100L).isGreaterThan(1 << 20);
    try (FakeBackend backend = new FakeBackend()) {
      ManagedChannel channel = NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();
      try (HttpEdge edge = HttpEdge.start(EdgeFixture.preset(backend.target()).callDeadline(Duration.ofSeconds(2))
          .maxBodyBytes(65536).workerThreads(1).retryAfter(Duration.ofSeconds(2)).build(), channel)) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postbacks"))
                .header("Content-Type", "application/json")
                .header("X-Kcid-Signature", "t=1714564800,v1=c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        RecordConversionsRequest batch = backend.batches.poll(5, TimeUnit.SECONDS);
        assertThat(batch).isNotNull();
        assertThat(batch.getSerializedSize()).isGreaterThan(1 << 20);
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
