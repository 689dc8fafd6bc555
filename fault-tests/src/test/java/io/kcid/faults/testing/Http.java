package io.kcid.faults.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A plain HTTP client that never follows redirects; a connection failure is status 0. */
public final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(2))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  /** An answer: status (0 = no connection / no answer), Retry-After, Location, body, latency. */
  public record Answer(int status, Optional<String> retryAfter, Optional<String> location, String body, long nanos) {}

  private Http() {}

  public static Answer get(String url) {
    long start = System.nanoTime();
    try {
      HttpResponse<String> response =
          CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(
          response.statusCode(),
          response.headers().firstValue("Retry-After"),
          response.headers().firstValue("Location"),
          response.body(),
          System.nanoTime() - start);
    } catch (IOException e) {
      return new Answer(0, Optional.empty(), Optional.empty(), e.toString(), System.nanoTime() - start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
