package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.server.store.OutboxEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Delivery ids are stable per (entry, destination) and distinct otherwise; destination filters. */
class DeliveryIdsTest {
  @Test
  void theIdIsTheBase32OfTheFirst128BitsOfTheEntrysDigest() throws Exception {
    String id = DeliveryIds.of(3, "1733280000000-0", "a:acme", "everflow");
    assertThat(id).matches("dlv_[a-z2-7]{26}").isEqualTo(DeliveryIds.of(3, "1733280000000-0", "a:acme", "everflow"));
    assertThat(DeliveryIds.of(4, "1733280000000-0", "a:acme", "everflow")).isNotEqualTo(id);
    assertThat(DeliveryIds.of(3, "1733280000000-1", "a:acme", "everflow")).isNotEqualTo(id);
    assertThat(DeliveryIds.of(3, "1733280000000-0", "p:acme", "everflow")).isNotEqualTo(id);
    assertThat(DeliveryIds.of(3, "1733280000000-0", "a:acme", "hook")).isNotEqualTo(id);
    // The first 5 bits of the digest are the first character.
    byte[] digest = MessageDigest.getInstance("SHA-256")
        .digest("3|1733280000000-0|a:acme|everflow".getBytes(StandardCharsets.UTF_8));
    int first = (digest[0] & 0xff) >> 3;
    assertThat(id.charAt(4)).isEqualTo("abcdefghijklmnopqrstuvwxyz234567".charAt(first));
  }

  @Test
  void destinationsFilterByGoalAndTriggerEmptyMeaningAll() {
    OutboxEntry approved = new OutboxEntry(1, "1-0", DeliveryTrigger.DELIVERY_TRIGGER_APPROVED, "k-1", "acme", "sale",
        ConversionStatus.CONVERSION_STATUS_APPROVED, Instant.EPOCH);
    Destination all = Destination.getDefaultInstance();
    assertThat(DeliveryDispatcher.wants(all, approved)).isTrue();
    assertThat(DeliveryDispatcher.wants(all.toBuilder().addGoalKeys("signup").build(), approved)).isFalse();
    assertThat(DeliveryDispatcher.wants(all.toBuilder().addGoalKeys("sale").build(), approved)).isTrue();
    assertThat(DeliveryDispatcher.wants(all.toBuilder().addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED).build(),
        approved)).isFalse();
    assertThat(DeliveryDispatcher.wants(all.toBuilder().addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED)
        .addGoalKeys("sale").build(), approved)).isTrue();
    assertThat(DeliveryIds.owner(Destination.newBuilder().setPartnerId("agency").build())).isEqualTo("p:agency");
    assertThat(DeliveryIds.owner(Destination.newBuilder().setAccountId("acme").build())).isEqualTo("a:acme");
  }
}
