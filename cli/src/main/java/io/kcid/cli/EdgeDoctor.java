package io.kcid.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The checks of {@code ./kcid doctor} that ask an edge: is it ready, and how far is its clock off. */
final class EdgeDoctor {
  private EdgeDoctor() {}

  static void check(String url, Duration timeout, List<DoctorFinding> findings) {
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
    HttpResponse<String> ready;
    long sent = System.currentTimeMillis();
    try {
      ready = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException | IllegalArgumentException e) {
      findings.add(DoctorFinding.fail("edge", "no answer from " + base + "/readyz: " + e,
          "start it (./kcid edge), or point --edge-url / KCID_EDGE_URL at its public port"));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    long received = System.currentTimeMillis();
    String body = ready.body() == null ? "" : ready.body().strip().replaceAll("\\s+", " ");
    if (ready.statusCode() == 200) {
      findings.add(DoctorFinding.ok("edge", base + " is ready (/readyz 200: its tracking-server is SERVING,"
          + " or its spool answers clicks)"));
    } else {
      findings.add(DoctorFinding.fail("edge", base + "/readyz answers " + ready.statusCode()
              + (body.isEmpty() ? "" : " " + (body.length() <= 120 ? body : body.substring(0, 117) + "...")),
          "the edge cannot use its tracking-server: check its KCID_GRPC_ADDR, KCID_EDGE_API_KEY (roles issue,"
              + " ingest) and its log"));
    }
    ready.headers().firstValue("date").ifPresent(date -> {
      Instant local = Instant.ofEpochMilli(sent + (received - sent) / 2);
      long skewMs;
      try {
        skewMs = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
            - local.toEpochMilli();
      } catch (DateTimeParseException e) {
        return;
      }
      // The Date header drops the milliseconds: the edge's clock may be up to a second later than it says.
      long atLeast = skewMs < 0 ? Math.min(0, skewMs + 999) : skewMs;
      findings.add(DoctorFinding.clockSkew("clock (edge)", local.plusMillis(atLeast), local));
    });
  }
}
