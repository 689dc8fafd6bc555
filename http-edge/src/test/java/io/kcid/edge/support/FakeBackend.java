package io.kcid.edge.support;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.StatusProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.util.Map;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real gRPC server on a free port with scripted ClickService, ConversionService and health.
 * Each service records the requests it got and answers what the test scripted.
 */
public final class FakeBackend implements AutoCloseable {
  /** A scripted answer: a response, an error, and an optional delay before either. */
  public record Answer<T>(T response, Throwable error, Duration delay) {
    public static <T> Answer<T> ok(T response) {
      return new Answer<>(response, null, Duration.ZERO);
    }

    public static <T> Answer<T> fail(Throwable error) {
      return new Answer<>(null, error, Duration.ZERO);
    }

    public Answer<T> after(Duration delay) {
      return new Answer<>(response, error, delay);
    }
  }

  /** Single IssueClick calls; clicks the edge sent together are in {@link #clickBatches}. */
  public final BlockingQueue<IssueClickRequest> clicks = new LinkedBlockingQueue<>();
  public final BlockingQueue<IssueClicksRequest> clickBatches = new LinkedBlockingQueue<>();
  /** When set, every IssueClicks call fails with it (UNIMPLEMENTED: a server older than that method). */
  public volatile StatusRuntimeException clickBatchFailure;
  public final BlockingQueue<RecordConversionRequest> conversions = new LinkedBlockingQueue<>();
  public final BlockingQueue<RecordConversionsRequest> batches = new LinkedBlockingQueue<>();
  /** "&lt;method&gt; &lt;authorization header or -&gt;" of every call, health checks included. */
  public final BlockingQueue<String> authorizations = new LinkedBlockingQueue<>();
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
  private volatile Function<IssueClickRequest, Answer<IssueClickResponse>> clickScript;
  private volatile Function<RecordConversionRequest, Answer<RecordConversionResponse>> conversionScript;
  private volatile Function<RecordConversionsRequest, Answer<RecordConversionsResponse>> batchScript;
  private final Server server;

  public FakeBackend() {
    reset();
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new Clicks())
            .addService(new Conversions())
            .addService(new Callers())
            .addService(health.getHealthService())
            .intercept(new ServerInterceptor() {
              @Override
              public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                String authorization = headers.get(AUTHORIZATION);
                authorizations.add(call.getMethodDescriptor().getBareMethodName() + " " + (authorization == null ? "-" : authorization));
                return next.startCall(call, headers);
              }
            })
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getPort();
  }

  public String target() {
    return "localhost:" + port();
  }

  /** Default scripts: a click redirects to example.com with its kcid; a conversion is accepted. */
  public void reset() {
    clicks.clear();
    clickBatches.clear();
    clickBatchFailure = null;
    conversions.clear();
    batches.clear();
    authorizations.clear();
    clickScript =
        request ->
            Answer.ok(
                IssueClickResponse.newBuilder()
                    .setRedirectUrl(request.getDestinationUrl() + "?kcid=k1")
                    .build());
    conversionScript =
        request ->
            Answer.ok(
                RecordConversionResponse.newBuilder()
                    .setOutcome(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED)
                    .setConversionId(request.getKcid() + "-1")
                    .build());
    // A batch answers each item with what the single-conversion script says (errors as ItemError).
    batchScript = request -> Answer.ok(perItem(request, conversionScript));
    setServing(true);
  }

  /** Each item answered by {@code script}: a response, or its kcid ErrorInfo as an ItemError. */
  public static RecordConversionsResponse perItem(
      RecordConversionsRequest request, Function<RecordConversionRequest, Answer<RecordConversionResponse>> script) {
    RecordConversionsResponse.Builder response = RecordConversionsResponse.newBuilder();
    for (int i = 0; i < request.getItemsCount(); i++) {
      Answer<RecordConversionResponse> answer = script.apply(request.getItems(i));
      RecordConversionResult.Builder result = RecordConversionResult.newBuilder().setIndex(i);
      if (answer.error() == null) {
        result.setResponse(answer.response());
      } else {
        result.setError(itemError(answer.error()));
      }
      response.addResults(result);
    }
    return response.build();
  }

  /**
   * An IssueClicks answer: each item as {@link #onClick}'s script answers it alone (errors as
   * ItemError), sent after the longest of their delays.
   */
  private Answer<IssueClicksResponse> perItem(IssueClicksRequest request) {
    IssueClicksResponse.Builder response = IssueClicksResponse.newBuilder();
    Duration delay = Duration.ZERO;
    for (int i = 0; i < request.getItemsCount(); i++) {
      Answer<IssueClickResponse> answer = clickScript.apply(request.getItems(i));
      IssueClickResult.Builder result = IssueClickResult.newBuilder().setIndex(i);
      if (answer.error() == null) {
        result.setResponse(answer.response());
      } else {
        result.setError(itemError(answer.error()));
      }
      response.addResults(result);
      delay = answer.delay().compareTo(delay) > 0 ? answer.delay() : delay;
    }
    return Answer.ok(response.build()).after(delay);
  }

  /** A single call's error as a batch item carries it: the status message and the kcid ErrorInfo's reason and metadata. */
  private static io.kcid.proto.tracking.v1.ItemError itemError(Throwable failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    io.kcid.proto.tracking.v1.ItemError.Builder error = io.kcid.proto.tracking.v1.ItemError.newBuilder();
    if (status != null) {
      error.setMessage(status.getMessage());
      for (Any detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            error.setReason(ErrorReasons.fromShortName(info.getReason())).putAllMetadata(info.getMetadataMap());
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return error.build();
  }

  public void onBatch(Function<RecordConversionsRequest, Answer<RecordConversionsResponse>> script) {
    batchScript = script;
  }

  public void onClick(Function<IssueClickRequest, Answer<IssueClickResponse>> script) {
    clickScript = script;
  }

  public void onConversion(Function<RecordConversionRequest, Answer<RecordConversionResponse>> script) {
    conversionScript = script;
  }

  public void setServing(boolean serving) {
    health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** The error a kcid server sends: status + ErrorInfo{reason, domain} (+ optional conversionId metadata). */
  public static StatusRuntimeException kcidError(ErrorReason reason, String message, String conversionId) {
    return kcidError(reason, message, conversionId, Map.of());
  }

  /** As {@link #kcidError(ErrorReason, String, String)}, with more ErrorInfo metadata (e.g. legacyHttp200). */
  public static StatusRuntimeException kcidError(
      ErrorReason reason, String message, String conversionId, Map<String, String> metadata) {
    ErrorInfo.Builder info =
        ErrorInfo.newBuilder().setReason(ErrorReasons.shortName(reason)).setDomain(ErrorReasons.DOMAIN).putAllMetadata(metadata);
    if (conversionId != null) {
      info.putMetadata("conversionId", conversionId);
    }
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(ErrorReasons.grpcCode(reason).value())
            .setMessage(message)
            .addDetails(Any.pack(info.build()))
            .build());
  }

  public static StatusRuntimeException plain(Status.Code code) {
    return code.toStatus().withDescription("scripted " + code).asRuntimeException();
  }

  private <T> void answer(Answer<T> answer, StreamObserver<T> observer) {
    Runnable send =
        () -> {
          if (answer.error() != null) {
            observer.onError(answer.error());
          } else {
            observer.onNext(answer.response());
            observer.onCompleted();
          }
        };
    if (answer.delay().isZero()) {
      send.run();
    } else {
      delays.schedule(send, answer.delay().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private final class Clicks extends ClickServiceGrpc.ClickServiceImplBase {
    @Override
    public void issueClick(IssueClickRequest request, StreamObserver<IssueClickResponse> observer) {
      clicks.add(request);
      answer(clickScript.apply(request), observer);
    }

    @Override
    public void issueClicks(IssueClicksRequest request, StreamObserver<IssueClicksResponse> observer) {
      clickBatches.add(request);
      if (clickBatchFailure != null) {
        observer.onError(clickBatchFailure);
        return;
      }
      answer(perItem(request), observer);
    }
  }

  private final class Conversions extends ConversionServiceGrpc.ConversionServiceImplBase {
    @Override
    public void recordConversion(RecordConversionRequest request, StreamObserver<RecordConversionResponse> observer) {
      conversions.add(request);
      answer(conversionScript.apply(request), observer);
    }

    @Override
    public void recordConversions(RecordConversionsRequest request, StreamObserver<RecordConversionsResponse> observer) {
      batches.add(request);
      answer(batchScript.apply(request), observer);
    }
  }

  /** Stops the server now (the "backend down" case). */
  /** Knows no API key: the web view's sign-in with any key but the edge's own admin key is refused. */
  private static final class Callers extends io.kcid.proto.tracking.v1.AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void getCaller(io.kcid.proto.tracking.v1.GetCallerRequest request,
        StreamObserver<io.kcid.proto.tracking.v1.GetCallerResponse> observer) {
      observer.onError(kcidError(ErrorReason.ERROR_REASON_API_KEY_INVALID, "unknown API key", null));
    }
  }

  public void stop() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    delays.shutdownNow();
  }
}
