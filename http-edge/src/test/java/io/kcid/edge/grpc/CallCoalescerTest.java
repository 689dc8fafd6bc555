package io.kcid.edge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.edge.tracing.BatchCallSpans;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The coalescer on a real event loop, against a backend that records what it was sent. */
class CallCoalescerTest {
  private final DefaultEventLoop loop = new DefaultEventLoop();
  private final AtomicLong nanos = new AtomicLong();
  private final Recording backend = new Recording();
  private final CallCoalescer<IssueClickRequest, IssueClickResponse, IssueClicksResponse> coalescer =
      new CallCoalescer<>(backend, "IssueClicks", 1000, BatchCallSpans.OFF, nanos::get);

  /** Answers each item with its campaign as kcid; a batch call fails with {@link #batchFailure} when set. */
  private static final class Recording implements CallCoalescer.Backend<IssueClickRequest, IssueClickResponse, IssueClicksResponse> {
    final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();
    final AtomicReference<Status> batchFailure = new AtomicReference<>();

    @Override
    public void sendOne(IssueClickRequest request, CompletableFuture<IssueClickResponse> answer) {
      calls.add("one " + request.getCampaignId());
      answer.complete(issued(request));
    }

    @Override
    public void sendBatch(List<IssueClickRequest> items, CompletableFuture<IssueClicksResponse> answer) {
      calls.add("batch " + items.stream().map(IssueClickRequest::getCampaignId).toList());
      Status failure = batchFailure.get();
      if (failure != null) {
        answer.completeExceptionally(failure.asRuntimeException());
        return;
      }
      IssueClicksResponse.Builder response = IssueClicksResponse.newBuilder();
      for (int i = 0; i < items.size(); i++) {
        response.addResultsBuilder().setIndex(i).setResponse(issued(items.get(i)));
      }
      answer.complete(response.build());
    }

    @Override
    public List<CallCoalescer.ItemResult<IssueClickResponse>> results(IssueClicksResponse response) {
      return response.getResultsList().stream()
          .map(r -> new CallCoalescer.ItemResult<>(r.getIndex(), r.getResponse(), null))
          .toList();
    }

    private static IssueClickResponse issued(IssueClickRequest request) {
      return IssueClickResponse.newBuilder().setClick(Click.newBuilder().setKcid(request.getCampaignId())).build();
    }
  }

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Sends the items from one event-loop task (one pass) and returns the kcids answered, in order. */
  private List<String> onePass(String... campaigns) throws Exception {
    List<CompletableFuture<IssueClickResponse>> answers = loop.submit(() -> {
      List<CompletableFuture<IssueClickResponse>> sent = new ArrayList<>();
      for (String campaign : campaigns) {
        sent.add(coalescer.send(IssueClickRequest.newBuilder().setCampaignId(campaign).build()));
      }
      return sent;
    }).get(5, TimeUnit.SECONDS);
    List<String> kcids = new ArrayList<>();
    for (CompletableFuture<IssueClickResponse> answer : answers) {
      kcids.add(answer.get(5, TimeUnit.SECONDS).getClick().getKcid());
    }
    return kcids;
  }

  @Test
  void onePassIsOneBatchAndALoneItemIsASingleCall() throws Exception {
    assertThat(onePass("a", "b", "c")).containsExactly("a", "b", "c");
    assertThat(onePass("d")).containsExactly("d");
    assertThat(coalescer.send(IssueClickRequest.newBuilder().setCampaignId("off-loop").build()).get().getClick().getKcid())
        .isEqualTo("off-loop");

    assertThat(backend.calls).containsExactly("batch [a, b, c]", "one d", "one off-loop");
  }

  @Test
  void aServerWithoutTheBatchMethodGetsSingleCallsForAMinuteThenBatchesAgain() throws Exception {
    backend.batchFailure.set(Status.UNIMPLEMENTED);
    assertThat(onePass("a", "b")).containsExactly("a", "b");
    assertThat(onePass("c", "d")).containsExactly("c", "d");
    backend.batchFailure.set(null);
    nanos.addAndGet(CallCoalescer.SINGLE_CALLS_AFTER_REFUSAL.toNanos() - 1);
    assertThat(onePass("e", "f")).containsExactly("e", "f");
    nanos.addAndGet(1);
    assertThat(onePass("g", "h")).containsExactly("g", "h");

    assertThat(backend.calls).containsExactly(
        "batch [a, b]", "one a", "one b", "one c", "one d", "one e", "one f", "batch [g, h]");
  }

  @Test
  void anotherFailureOfTheBatchCallFailsEveryItemAndIsNotResent() throws Exception {
    backend.batchFailure.set(Status.UNAVAILABLE);
    List<CompletableFuture<IssueClickResponse>> answers = loop.submit(() -> List.of(
        coalescer.send(IssueClickRequest.newBuilder().setCampaignId("a").build()),
        coalescer.send(IssueClickRequest.newBuilder().setCampaignId("b").build()))).get(5, TimeUnit.SECONDS);

    for (CompletableFuture<IssueClickResponse> answer : answers) {
      assertThat(answer).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(backend.calls).containsExactly("batch [a, b]");
  }
}
