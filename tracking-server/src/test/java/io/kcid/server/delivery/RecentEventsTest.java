package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.server.store.StoredClick;
import org.junit.jupiter.api.Test;

class RecentEventsTest {
  private long now;
  private final RecentEvents recent = new RecentEvents(() -> now);

  private static Conversion conversion(String id) {
    return Conversion.newBuilder().setConversionId(id).setKcid(id.substring(0, id.lastIndexOf('-'))).build();
  }

  private static final StoredClick CLICK = new StoredClick("acct", Click.newBuilder().setCampaignId("c").build());

  @Test
  void anEventIsKeptForKeepAndNoLonger() {
    recent.put(conversion("k1-1"), CLICK);
    assertThat(recent.get("k1-1")).contains(new RecentEvents.Recorded(conversion("k1-1"), CLICK));
    assertThat(recent.get("k1-2")).isEmpty();

    now += RecentEvents.KEEP.toNanos();
    assertThat(recent.get("k1-1")).isPresent();
    now += 1;
    assertThat(recent.get("k1-1")).isEmpty();
  }

  @Test
  void expiredEventsLeaveWhenTheNextArrives() {
    recent.put(conversion("k1-1"), CLICK);
    now += RecentEvents.KEEP.toNanos() / 2;
    recent.put(conversion("k2-1"), CLICK);
    now += RecentEvents.KEEP.toNanos() / 2 + 1;
    recent.put(conversion("k3-1"), CLICK);
    assertThat(recent.size()).isEqualTo(2);
    assertThat(recent.get("k2-1")).isPresent();
  }

  @Test
  void aBurstBeyondTheCapacityIsNotHeld() {
    for (int i = 0; i < RecentEvents.CAPACITY + 10; i++) {
      recent.put(conversion("k" + i + "-1"), CLICK);
    }
    assertThat(recent.size()).isEqualTo(RecentEvents.CAPACITY);
    assertThat(recent.get("k0-1")).isPresent();
    assertThat(recent.get("k" + RecentEvents.CAPACITY + "-1")).isEmpty();
    // Once they expired there is room again.
    now += RecentEvents.KEEP.toNanos() + 1;
    recent.put(conversion("late-1"), CLICK);
    assertThat(recent.get("late-1")).isPresent();
    assertThat(recent.size()).isEqualTo(1);
  }

  @Test
  void erasingAClickForgetsItsEventsOnly() {
    recent.put(conversion("k1-1"), CLICK);
    recent.put(conversion("k1-2"), CLICK);
    recent.put(conversion("k11-1"), CLICK);
    recent.forgetClick("k1");
    assertThat(recent.get("k1-1")).isEmpty();
    assertThat(recent.get("k1-2")).isEmpty();
    assertThat(recent.get("k11-1")).isPresent();
    // Its ids still in the expiry order are harmless: the next put passes over them.
    now += RecentEvents.KEEP.toNanos() + 1;
    recent.put(conversion("k2-1"), CLICK);
    assertThat(recent.size()).isEqualTo(1);
  }

  @Test
  void aClickErasedJustBeforeItsRecordingIsHandedOverCannotComeBack() {
    // The erasure ran between the record script's answer and the recorder's hand-over.
    recent.forgetClick("k1");
    recent.put(conversion("k1-1"), CLICK);
    assertThat(recent.get("k1-1")).isEmpty();
    recent.put(conversion("k2-1"), CLICK);
    assertThat(recent.get("k2-1")).isPresent();
    // The refusal lasts KEEP: a click of that kcid cannot be recorded again anyway once erased.
    now += RecentEvents.KEEP.toNanos() + 1;
    recent.expire();
    recent.put(conversion("k1-1"), CLICK);
    assertThat(recent.get("k1-1")).isPresent();
  }

  @Test
  void aChangedConversionIsForgotten() {
    recent.put(conversion("k1-1"), CLICK);
    recent.put(conversion("k1-2"), CLICK);
    recent.forgetConversion("k1-1");
    assertThat(recent.get("k1-1")).isEmpty();
    assertThat(recent.get("k1-2")).isPresent();
  }

  @Test
  void nothingStaysPastKeepOnceTheLoopExpiresEvenWithoutAnotherPut() {
    recent.put(conversion("k1-1"), CLICK);
    recent.put(conversion("k2-1"), CLICK);
    now += RecentEvents.KEEP.toNanos() + 1;
    recent.expire();
    assertThat(recent.size()).isZero();
  }
}
