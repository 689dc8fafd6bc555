package io.kcid.server.stream;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.server.grpc.ConversionGrpcService;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionEventLog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server serves a bounded number of conversion streams; a stream that ends frees its place. */
class ConversionStreamsLimitTest {

  @Test
  void streamsBeyondTheBoundAreRefusedUntilOneEnds() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000)) {
      ConversionStreams streams = new ConversionStreams(
          new RedisConversionEventLog(connector.commands(), 4), null, Duration.ofMillis(20), 2);
      Server server = NettyServerBuilder.forPort(0).directExecutor()
          .addService(new ConversionGrpcService(null, null, null, streams)).build().start();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        ManagedChannel first = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        assertThat(StreamInbox.open(first).poll(10, TimeUnit.SECONDS)).isInstanceOf(StreamConversionsResponse.class);
        assertThat(StreamInbox.open(channel).poll(10, TimeUnit.SECONDS)).isInstanceOf(StreamConversionsResponse.class);
        Object refused = StreamInbox.open(channel).poll(10, TimeUnit.SECONDS);
        assertThat(refused).isInstanceOf(Throwable.class);
        assertThat(reasonOf((Throwable) refused)).isEqualTo(ErrorReason.ERROR_REASON_RATE_LIMITED);
        first.shutdownNow(); // its stream is cancelled, which frees a place
        Object admitted = null;
        for (int attempt = 0; attempt < 50 && !(admitted instanceof StreamConversionsResponse); attempt++) {
          admitted = StreamInbox.open(channel).poll(10, TimeUnit.SECONDS);
          if (!(admitted instanceof StreamConversionsResponse)) {
            Thread.sleep(100);
          }
        }
        assertThat(admitted).isInstanceOf(StreamConversionsResponse.class);
      } finally {
        channel.shutdownNow();
        streams.close();
        server.shutdownNow();
      }
    }
  }
}
