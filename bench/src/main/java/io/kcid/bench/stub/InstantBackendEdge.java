package io.kcid.bench.stub;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.kcid.edge.EdgeMain;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * The edge's baseline "its own 302 with no backend call": the real http-edge (same Netty pipeline,
 * routing, parsing, rate limits, response building) whose backend is an in-process gRPC service in
 * its own JVM answering at once — IssueClick(s) with a fixed redirect, RecordConversion(s) with
 * "accepted" — so no network hop, no tracking-server and no Redis. Bench-only: it lives in the
 * bench module, never in a production image, and redirects only to the fixed URL below.
 *
 * <p>Run as a process of its own by {@code ./kcid bench}: {@code args[0]} is the HTTP port; the
 * edge settings come from the same KCID_EDGE_* variables as the real edge's.
 */
public final class InstantBackendEdge {
  static final String KCID = "0000000000000000000000000000bnch";
  static final String REDIRECT = "https://example.com/?kcid=" + KCID;

  private InstantBackendEdge() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String name = "kcid-bench-instant-backend";
    HealthStatusManager health = new HealthStatusManager();
    Server backend = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new Clicks()).addService(new Conversions()).addService(health.getHealthService())
        .build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    HttpEdge edge = HttpEdge.start(EdgeConfig.builder().bindHost("127.0.0.1").port(port).grpcTarget("in-process")
        .security(CommandLine.populateCommand(new EdgeMain()).security()).build(), channel);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      edge.close();
      channel.shutdownNow();
      backend.shutdownNow();
      stopped.countDown();
    }, "instant-backend-edge-shutdown"));
    stopped.await();
  }

  private static final class Clicks extends ClickServiceGrpc.ClickServiceImplBase {
    @Override
    public void issueClick(IssueClickRequest request, StreamObserver<IssueClickResponse> response) {
      response.onNext(issued(request));
      response.onCompleted();
    }

    /** The edge coalesces the clicks one event loop read together into one batch call. */
    @Override
    public void issueClicks(IssueClicksRequest request, StreamObserver<IssueClicksResponse> response) {
      IssueClicksResponse.Builder results = IssueClicksResponse.newBuilder();
      for (int i = 0; i < request.getItemsCount(); i++) {
        results.addResults(IssueClickResult.newBuilder().setIndex(i).setResponse(issued(request.getItems(i))));
      }
      response.onNext(results.build());
      response.onCompleted();
    }

    private static IssueClickResponse issued(IssueClickRequest request) {
      return IssueClickResponse.newBuilder()
          .setClick(Click.newBuilder().setKcid(KCID).setAccountId(request.getAccountId()))
          .setRedirectUrl(REDIRECT).build();
    }
  }

  private static final class Conversions extends ConversionServiceGrpc.ConversionServiceImplBase {
    @Override
    public void recordConversion(RecordConversionRequest request, StreamObserver<RecordConversionResponse> response) {
      response.onNext(accepted(request));
      response.onCompleted();
    }

    /** The edge coalesces the postbacks one event loop read together into one batch call. */
    @Override
    public void recordConversions(RecordConversionsRequest request, StreamObserver<RecordConversionsResponse> response) {
      RecordConversionsResponse.Builder results = RecordConversionsResponse.newBuilder();
      for (int i = 0; i < request.getItemsCount(); i++) {
        results.addResults(RecordConversionResult.newBuilder().setIndex(i).setResponse(accepted(request.getItems(i))));
      }
      response.onNext(results.build());
      response.onCompleted();
    }

    private static RecordConversionResponse accepted(RecordConversionRequest request) {
      return RecordConversionResponse.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED)
          .setConversionId(request.getKcid() + "-1").build();
    }
  }
}
