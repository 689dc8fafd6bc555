package io.kcid.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class GrpcUnaryOpTest {
  private static final Metadata.Key<String> KEY = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Health/Check that answers "ok" and refuses "missing", recording every call's authorization header. */
  @Test
  void aClosedLoopCyclesThePreparedRequestsWithTheHeadersAndCountsAnswersAndRefusals() throws Exception {
    String name = InProcessServerBuilder.generateName();
    Set<String> authorizations = ConcurrentHashMap.newKeySet();
    HealthGrpc.HealthImplBase health = new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> answer) {
        if (request.getService().equals("missing")) {
          answer.onError(Status.NOT_FOUND.asRuntimeException());
          return;
        }
        answer.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
        answer.onCompleted();
      }
    };
    Server server = InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(health, new io.grpc.ServerInterceptor() {
          @Override
          public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
              io.grpc.ServerCallHandler<Q, A> next) {
            authorizations.add(String.valueOf(headers.get(KEY)));
            return next.startCall(call, headers);
          }
        })).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      Metadata headers = new Metadata();
      headers.put(KEY, "Bearer k");
      LongAdder serving = new LongAdder();
      GrpcUnaryOp<HealthCheckRequest, HealthCheckResponse> op = new GrpcUnaryOp<>(List.of(channel, channel),
          HealthGrpc.getCheckMethod(),
          List.of(request("ok"), request("ok"), request("missing")), headers,
          response -> serving.increment());

      Run run = ClosedLoop.run(op, 8, Duration.ofMillis(100), Duration.ofMillis(400), Window.NONE);

      assertThat(run.ops()).isPositive();
      assertThat(run.errorKinds()).containsOnlyKeys("NOT_FOUND");
      // One in three requests is refused: twice as many answered as refused, give or take the window's edges.
      assertThat((double) run.ops() / run.errors()).isBetween(1.8, 2.2);
      assertThat(serving.sum()).isGreaterThanOrEqualTo(run.ops());
      assertThat(authorizations).containsExactly("Bearer k");
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  private static HealthCheckRequest request(String service) {
    return HealthCheckRequest.newBuilder().setService(service).build();
  }
}
