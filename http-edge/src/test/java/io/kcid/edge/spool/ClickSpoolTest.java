package io.kcid.edge.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.config.SpoolConfig;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The click spool's contract: durable before acknowledged, bounded, replayable after a restart. */
class ClickSpoolTest {
  @TempDir Path dir;

  private static IssueClickRequest click(int n) {
    return IssueClickRequest.newBuilder()
        .setAccountId("acme")
        .setCampaignId("c" + n)
        .putSubIds("s1", "pub-" + n)
        .setDestinationUrl("https://shop.example/?n=" + n)
        .setClickSignature("sig" + n)
        .setKcid("kcid" + n)
        .build();
  }

  private static List<IssueClickRequest> replayable(ClickSpool spool) throws Exception {
    List<IssueClickRequest> out = new ArrayList<>();
    for (ClickSpool.Segment segment : spool.sealed()) {
      out.addAll(segment.read().records());
    }
    return out;
  }

  private static void awaitSealed(ClickSpool spool) throws InterruptedException {
    spool.requestRoll();
    for (int i = 0; i < 200 && spool.activeHasRecords(); i++) {
      Thread.sleep(10);
    }
  }

  @Test
  void acknowledgedClicksAreReadBackInOrderAfterTheSegmentIsSealed() throws Exception {
    try (ClickSpool spool = ClickSpool.open(dir, 1 << 20)) {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        writes.add(spool.append(click(i)));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      assertThat(spool.sealed()).as("the active segment is not replayed while it is written").isEmpty();
      assertThat(spool.activeHasRecords()).isTrue();

      awaitSealed(spool);

      assertThat(replayable(spool)).extracting(IssueClickRequest::getCampaignId)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "c" + i).toList());
      long held = spool.bytes();
      spool.sealed().forEach(spool::delete);
      assertThat(spool.sealed()).isEmpty();
      assertThat(spool.bytes()).isLessThan(held).isZero();
    }
  }

  @Test
  void clicksLeftByAnEarlierRunAreReplayableAfterReopening() throws Exception {
    try (ClickSpool spool = ClickSpool.open(dir, 1 << 20)) {
      spool.append(click(1)).join();
      spool.append(click(2)).join();
    }
    try (ClickSpool reopened = ClickSpool.open(dir, 1 << 20)) {
      assertThat(replayable(reopened)).containsExactly(click(1), click(2));
      assertThat(reopened.bytes()).isPositive();
      reopened.append(click(3)).join();
      awaitSealed(reopened);
      assertThat(replayable(reopened)).containsExactly(click(1), click(2), click(3));
    }
  }

  @Test
  void aPartialRecordAtTheEndIsSkippedAndTheWholeOnesSurvive() throws Exception {
    try (ClickSpool spool = ClickSpool.open(dir, 1 << 20)) {
      spool.append(click(1)).join();
    }
    Path segment;
    try (var files = Files.list(dir)) {
      segment = files.filter(f -> f.getFileName().toString().endsWith(".spool")).findFirst().orElseThrow();
    }
    // What a crash in the middle of a write leaves: a header promising more bytes than follow.
    Files.write(segment, new byte[] {0, 0, 1, 0, 1, 2, 3}, StandardOpenOption.APPEND);
    var contents = SpoolRecords.read(segment);
    assertThat(contents.records()).containsExactly(click(1));
    assertThat(contents.damagedTail()).isTrue();

    // A flipped bit fails the CRC: that record and what follows are not trusted.
    byte[] bytes = Files.readAllBytes(segment);
    bytes[SpoolRecords.HEADER + 3] ^= 0x01;
    Files.write(segment, bytes);
    assertThat(SpoolRecords.read(segment).records()).isEmpty();
  }

  @Test
  void aFullSpoolRefusesInsteadOfDroppingSilently() throws Exception {
    try (ClickSpool spool = ClickSpool.open(dir, SpoolConfig.MIN_BYTES)) {
      int accepted = 0;
      Throwable refused = null;
      for (int i = 0; i < 10_000 && refused == null; i++) {
        try {
          spool.append(click(i)).join();
          accepted++;
        } catch (CompletionException e) {
          refused = e.getCause();
        }
      }
      assertThat(refused).isInstanceOf(ClickSpool.SpoolUnavailableException.class).hasMessageContaining("full");
      assertThat(accepted).isPositive();
      assertThat(spool.bytes()).isLessThanOrEqualTo(SpoolConfig.MIN_BYTES);
      assertThat(spool.hasRoom()).isFalse();
      awaitSealed(spool);
      assertThat(replayable(spool)).hasSize(accepted);
    }
  }

  @Test
  void aClosedSpoolRefusesNewClicks() {
    ClickSpool spool = ClickSpool.open(dir, 1 << 20);
    spool.close();
    assertThatThrownBy(() -> spool.append(click(1)).join())
        .hasCauseInstanceOf(ClickSpool.SpoolUnavailableException.class);
  }
}
