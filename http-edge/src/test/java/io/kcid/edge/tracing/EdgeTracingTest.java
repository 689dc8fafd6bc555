package io.kcid.edge.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.tracing.TracingConfig;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.Route;
import io.kcid.edge.http.RouteHandler;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EdgeTracingTest {
  private static final String SECRET_QUERY = "/postback?kcid=2385tr8g140pc05czxsjnz01438anvv0&token=pbt_secret-token-value";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final EdgeTracing tracing = EdgeTracing.start(TracingConfig.exportingTo(spans, 1.0));
  /** The contexts postbacks were queued in, as the coalescer keeps them. */
  private final List<Context> queued = new ArrayList<>();
  private final List<CompletableFuture<EdgeResponse>> answers = new ArrayList<>();

  @AfterEach
  void close() {
    tracing.close();
  }

  @Test
  void offWrapsNothing() {
    try (EdgeTracing off = EdgeTracing.start(TracingConfig.OFF)) {
      RouteHandler handler = request -> CompletableFuture.completedFuture(ok());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
      try {
        // The very same objects: no interceptor, no wrapper, nothing on the hot path.
        assertThat(off.traced(Route.CLICK, handler)).isSameAs(handler);
        assertThat(off.intercept(channel)).isSameAs(channel);
        assertThat(off.batchCalls()).isSameAs(BatchCallSpans.OFF);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aRequestSpanIsNamedAfterTheRouteContinuesTheCallerAndKeepsNoQuery() {
    AtomicReference<Span> current = new AtomicReference<>();
    RouteHandler handler = tracing.traced(Route.POSTBACK, request -> {
      current.set(Span.current());
      return CompletableFuture.completedFuture(ok());
    });
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, SECRET_QUERY);
    request.headers().set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

    assertThat(handler.handle(request, null).join().status()).isEqualTo(200);

    SpanData span = spans.getFinishedSpanItems().get(0);
    assertThat(span.getName()).isEqualTo("GET /postback");
    assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    // Current while the handler ran: the gRPC client interceptor takes it as the parent.
    assertThat(current.get().getSpanContext()).isEqualTo(span.getSpanContext());
    assertThat(span.getAttributes().toString()).doesNotContain("2385tr8g", "pbt_secret", "token", "kcid=");
    assertThat(span.getAttributes().asMap()).extractingFromEntries(e -> e.getKey().getKey() + "=" + e.getValue())
        .containsExactlyInAnyOrder("http.request.method=GET", "http.route=/postback", "http.response.status_code=200");
  }

  @Test
  void aRejectedRequestStillEndsItsSpan() {
    RouteHandler handler = tracing.traced(Route.CLICK, request -> {
      throw new Rejection(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "no sig");
    });
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/c?a=x");

    assertThatThrownBy(() -> handler.handle(request, null)).isInstanceOf(Rejection.class);

    assertThat(spans.getFinishedSpanItems()).singleElement().satisfies(span -> {
      assertThat(span.getName()).isEqualTo("GET /c");
      assertThat(span.getParentSpanContext().isValid()).isFalse();
      assertThat(span.getAttributes().asMap()).extractingFromEntries(e -> e.getKey().getKey() + "=" + e.getValue())
          .contains("error.type=Rejection");
    });
  }

  @Test
  void aCoalescedCallIsAChildOfTheFirstPostbackAndLinkedBothWaysToTheOthers() {
    RouteHandler first = tracing.traced(Route.POSTBACK, request -> queued());
    RouteHandler second = tracing.traced(Route.POSTBACK, request -> queued());
    first.handle(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/postback"), null);
    second.handle(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/postback"), null);

    BatchCallSpans.Started call = tracing.batchCalls().start(List.of(queued.get(0), queued.get(1)), "RecordConversions");
    call.end(null);
    answers.forEach(answer -> answer.complete(ok()));

    List<SpanData> finished = spans.getFinishedSpanItems();
    SpanData batch = finished.stream().filter(s -> s.getName().equals("RecordConversions" + BatchCallSpans.SUFFIX)).findFirst().orElseThrow();
    List<SpanData> requests = finished.stream().filter(s -> s.getName().equals("GET /postback")).toList();
    assertThat(requests).hasSize(2);
    SpanData firstSpan = requests.stream().filter(s -> s.getSpanContext().equals(Span.fromContext(queued.get(0)).getSpanContext()))
        .findFirst().orElseThrow();
    SpanData secondSpan = requests.stream().filter(s -> s != firstSpan).findFirst().orElseThrow();
    assertThat(batch.getParentSpanId()).isEqualTo(firstSpan.getSpanId());
    assertThat(batch.getTraceId()).isEqualTo(firstSpan.getTraceId());
    assertThat(batch.getLinks()).extracting(LinkData::getSpanContext).containsExactly(secondSpan.getSpanContext());
    assertThat(secondSpan.getLinks()).extracting(LinkData::getSpanContext).containsExactly(batch.getSpanContext());
    assertThat(Span.fromContext(call.context()).getSpanContext()).isEqualTo(batch.getSpanContext());
  }

  /** What the coalescer does: keeps the current context, answers later. */
  private CompletableFuture<EdgeResponse> queued() {
    queued.add(Context.current());
    CompletableFuture<EdgeResponse> answer = new CompletableFuture<>();
    answers.add(answer);
    return answer;
  }

  private static EdgeResponse ok() {
    return new EdgeResponse(200, null, new byte[0], Map.of(), false);
  }
}
