package io.kcid.edge.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-flight bound over a real gRPC channel: a weighted call (coalesced postbacks) counts once per item. */
class InFlightLimiterTest {
  @Test
  void aWeightedCallCountsOncePerItemAndIsRefusedWholeWhenItDoesNotFit() throws Exception {
    try (FakeBackend backend = new FakeBackend()) {
      ManagedChannel channel = NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();
      try {
        InFlightLimiter limiter = new InFlightLimiter(3);
        Channel limited = ClientInterceptors.intercept(channel, limiter);
        backend.onBatch(request -> Answer.ok(RecordConversionsResponse.getDefaultInstance()).after(Duration.ofMillis(500)));
        ConversionServiceGrpc.ConversionServiceStub stub = ConversionServiceGrpc.newStub(limited);

        CompletableFuture<RecordConversionsResponse> two = new CompletableFuture<>();
        stub.withOption(InFlightLimiter.WEIGHT, 2).recordConversions(RecordConversionsRequest.getDefaultInstance(), UnaryCalls.completing(two));
        assertThat(limiter.inFlight()).isEqualTo(2);

        CompletableFuture<RecordConversionsResponse> twoMore = new CompletableFuture<>();
        stub.withOption(InFlightLimiter.WEIGHT, 2).recordConversions(RecordConversionsRequest.getDefaultInstance(), UnaryCalls.completing(twoMore));
        assertThat(twoMore).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
            .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(limiter.inFlight()).isEqualTo(2);

        CompletableFuture<RecordConversionResponse> one = new CompletableFuture<>();
        stub.recordConversion(RecordConversionRequest.newBuilder().setKcid("K").build(), UnaryCalls.completing(one));
        assertThat(one).succeedsWithin(2, TimeUnit.SECONDS);
        assertThat(two).succeedsWithin(2, TimeUnit.SECONDS);
        // Both released, each by its own weight.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (limiter.inFlight() != 0 && System.nanoTime() < until) {
          Thread.sleep(10);
        }
        assertThat(limiter.inFlight()).isZero();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
