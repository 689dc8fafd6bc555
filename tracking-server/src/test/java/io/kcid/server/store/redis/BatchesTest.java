package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Grouping per lane without a timer (and with a linger), and the choice of a lane for an item free
 * to go anywhere.
 */
class BatchesTest {
  /** Calls that answer when the test says so: each answers its items doubled. */
  private final List<List<Integer>> sent = new ArrayList<>();
  private final List<CompletableFuture<List<Integer>>> pending = new ArrayList<>();
  private final Batches<Integer, Integer> batches = new Batches<>(3, this::call);

  private synchronized CompletionStage<List<Integer>> call(int lane, List<Integer> items) {
    sent.add(List.copyOf(items));
    CompletableFuture<List<Integer>> answer = new CompletableFuture<>();
    pending.add(answer);
    return answer;
  }

  private void answer(int call) {
    pending.get(call).complete(sent.get(call).stream().map(i -> i * 2).toList());
  }

  @Test
  void anIdleLaneSendsAtOnceAndABusyOneGathersItsNextBatch() {
    CompletionStage<Integer> first = batches.submit(0, 1);
    assertThat(sent).containsExactly(List.of(1));
    List<CompletionStage<Integer>> queued = new ArrayList<>();
    for (int i = 2; i <= 6; i++) {
      queued.add(batches.submit(0, i));
    }
    CompletionStage<Integer> otherLane = batches.submit(1, 7);
    assertThat(sent).containsExactly(List.of(1), List.of(7));

    answer(0);
    assertThat(first.toCompletableFuture().join()).isEqualTo(2);
    assertThat(sent.get(2)).containsExactly(2, 3, 4); // at most 3 per call
    answer(2);
    assertThat(sent.get(3)).containsExactly(5, 6);
    answer(3);
    assertThat(queued.stream().map(q -> q.toCompletableFuture().join())).containsExactly(4, 6, 8, 10, 12);
    assertThat(otherLane.toCompletableFuture().isDone()).isFalse();
  }

  @Test
  void withALingerAnIdleLanesFirstItemWaitsForOthersAndABusyLaneStillGoesAsSoonAsItAnswers() throws Exception {
    // Long enough that the items below, submitted at once, always fall within it.
    Batches<Integer, Integer> lingering = new Batches<>(3, Duration.ofMillis(300), this::call);
    CompletionStage<Integer> first = lingering.submit(0, 1);
    lingering.submit(0, 2);
    CompletionStage<Integer> otherLane = lingering.submit(1, 9);
    assertThat(sent).isEmpty(); // lingering

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (sentCount() < 2) {
      assertThat(System.nanoTime()).as("lingered calls within 20 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    assertThat(sentSnapshot()).containsExactlyInAnyOrder(List.of(1, 2), List.of(9));
    int lane0 = sentSnapshot().indexOf(List.of(1, 2));
    lingering.submit(0, 3); // lane 0 is busy: waits for its call, then goes without lingering
    answer(lane0);
    assertThat(first.toCompletableFuture().join()).isEqualTo(2);
    assertThat(sentSnapshot()).hasSize(3).last().isEqualTo(List.of(3));
    assertThat(otherLane.toCompletableFuture().isDone()).isFalse();
  }

  @Test
  void aLingeredCallThatThrowsAnErrorFailsItsItemsAndLeavesTheLaneFree() throws Exception {
    List<List<Integer>> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    Batches<Integer, Integer> failing = new Batches<>(3, Duration.ofMillis(50), (lane, items) -> {
      calls.add(List.copyOf(items));
      if (items.contains(-1)) {
        // An Error, as a class that failed to load throws: the delay thread would swallow it.
        throw new NoClassDefFoundError("refused before sending");
      }
      return CompletableFuture.completedFuture(items);
    });
    CompletableFuture<Integer> a = failing.submit(0, -1).toCompletableFuture();
    CompletableFuture<Integer> b = failing.submit(0, 2).toCompletableFuture();
    assertThat(catchThrowable(() -> a.get(20, TimeUnit.SECONDS))).hasRootCauseInstanceOf(NoClassDefFoundError.class);
    assertThat(catchThrowable(() -> b.get(20, TimeUnit.SECONDS))).hasRootCauseInstanceOf(NoClassDefFoundError.class);
    // The lane is free again: the next item lingers, goes out and is answered.
    assertThat(failing.submit(0, 5).toCompletableFuture().get(20, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(calls).containsExactly(List.of(-1, 2), List.of(5));
  }

  private synchronized int sentCount() {
    return sent.size();
  }

  private synchronized List<List<Integer>> sentSnapshot() {
    return List.copyOf(sent);
  }

  @Test
  void freeItemsSpreadWhileFewLanesAreBusyAndJoinTheLatestOtherwise() {
    Set<Integer> chosen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      chosen.add(batches.choose(16, 2));
    }
    assertThat(chosen).hasSizeGreaterThan(8).allMatch(lane -> lane >= 0 && lane < 16);

    batches.submit(5, 1);
    batches.submit(9, 2);
    // Two lanes in flight: the limit; new items join the lane that sent last.
    for (int i = 0; i < 20; i++) {
      assertThat(batches.choose(16, 2)).isEqualTo(9);
    }
    answer(1); // lane 9 answers with nothing queued: one lane busy, items spread again
    chosen.clear();
    for (int i = 0; i < 200; i++) {
      chosen.add(batches.choose(16, 2));
    }
    assertThat(chosen).hasSizeGreaterThan(8);
  }
}
