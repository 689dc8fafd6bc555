package io.kcid.faults.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An advertiser's server sending postbacks through the HTTP edge the way the docs tell it to:
 * every answer that is not 2xx is retried with the same parameters until it is. Every attempt is
 * recorded, so a scenario can assert on the whole history afterwards.
 */
public final class PostbackLoad {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One planned postback; a duplicate is the same object planned twice. */
  public record Postback(int id, String kcid, String goal, String txid, String value) {
    String query(String token) {
      return "kcid=" + kcid + "&goal=" + goal + "&txid=" + encode(txid) + "&value=" + value + "&currency=EUR&token=" + encode(token);
    }
  }

  /** One attempt's answer. */
  public record Attempt(int planIndex, int status, boolean retryAfter, String body) {}

  /** The final 2xx answer of a planned postback: accepted or duplicate, and the conversion id. */
  public record Acknowledged(Postback postback, String status, String conversionId) {}

  /** Everything that happened. */
  public record History(List<Attempt> attempts, Map<Integer, Acknowledged> acknowledged, int planned) {
    /** Attempts per HTTP status (0 = no connection). */
    public Map<Integer, Integer> statuses() {
      Map<Integer, Integer> counts = new TreeMap<>();
      attempts.forEach(a -> counts.merge(a.status(), 1, Integer::sum));
      return counts;
    }

    public boolean complete() {
      return acknowledged.size() == planned;
    }
  }

  private PostbackLoad() {}

  /**
   * Sends the plan with {@code threads} senders at about {@code perSecond} new postbacks a second,
   * retrying each until it is acknowledged or {@code deadline} passes.
   *
   * @param edgeBase the edge base URL for the n-th attempt (round robin over several edges, or one)
   */
  public static History run(
      List<Postback> plan, IntFunction<String> edgeBase, String token, int threads, double perSecond, Duration deadline) {
    List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    Map<Integer, Acknowledged> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger attemptNumber = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    long spacingNanos = (long) (TimeUnit.SECONDS.toNanos(1) / perSecond);
    ExecutorService senders = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      senders.execute(() -> {
        for (int index = next.getAndIncrement(); index < plan.size(); index = next.getAndIncrement()) {
          // Pace new postbacks so faults injected on a timer land in the middle of the run.
          long due = start + index * spacingNanos;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Stack.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
          }
          Postback postback = plan.get(index);
          while (System.nanoTime() < end) {
            Http.Answer answer = Http.get(edgeBase.apply(attemptNumber.getAndIncrement()) + "/postback?" + postback.query(token));
            attempts.add(new Attempt(index, answer.status(), answer.retryAfter().isPresent(), answer.body()));
            if (answer.status() >= 200 && answer.status() < 300) {
              JsonNode body = read(answer.body());
              acknowledged.put(index, new Acknowledged(postback, body.path("status").asText(), body.path("conversion_id").asText()));
              break;
            }
            Stack.sleep(50 + (index % 50));
          }
        }
      });
    }
    senders.shutdown();
    try {
      senders.awaitTermination(deadline.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new History(List.copyOf(attempts), Map.copyOf(acknowledged), plan.size());
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a 2xx answer is not JSON: " + body, e);
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
