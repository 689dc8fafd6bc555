package io.kcid.core.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.SpanKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Spans reach an OTLP/HTTP collector over the JDK's HTTP client (no OkHttp on the class path), flushed at close. */
class OtlpExportTest {
  private final List<String> received = new CopyOnWriteArrayList<>();
  private HttpServer collector;

  @BeforeEach
  void startCollector() throws IOException {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst("Content-Type") + " " + new String(body, StandardCharsets.ISO_8859_1));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
  }

  @AfterEach
  void stopCollector() {
    collector.stop(0);
  }

  @Test
  void closingFlushesTheSpansToTheCollectorsTracesPath() {
    String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
    Telemetry telemetry = Telemetry.start(TracingConfig.of(endpoint, 1.0), "kcid-export-test");
    telemetry.openTelemetry().getTracer("t").spanBuilder("GET /c").setSpanKind(SpanKind.SERVER).startSpan().end();
    telemetry.close();

    assertThat(received).singleElement().satisfies(request -> assertThat(request)
        .startsWith("POST /v1/traces application/x-protobuf")
        .contains("kcid-export-test", "GET /c"));
  }
}
