package io.kcid.server.delivery;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.StoredClick;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Resolves a job into the event it sends: the conversion as readers see it (with the status the
 * event carried, and its value in the account's reporting currency when it has one), its click
 * (null once expired or erased: its macros render empty) and the account's partner. Empty when the
 * conversion itself is gone (its click was erased or expired). The first attempt of a new
 * conversion's job takes the conversion and click this process recorded a moment ago from
 * {@link RecentEvents} instead of reading them back; every other job reads them.
 */
public final class OutboundEvents {
  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final ClickStore clicks;
  private final AccountDirectory accounts;
  private final RecentEvents recent;
  private final Clock clock;

  /** @param clock when a handed-over click has expired (as {@link ClickStore#find} decides for a read one) */
  public OutboundEvents(KcidCodec codec, ConversionStore conversions, ClickStore clicks, AccountDirectory accounts,
      RecentEvents recent, Clock clock) {
    this.codec = codec;
    this.conversions = conversions;
    this.clicks = clicks;
    this.accounts = accounts;
    this.recent = recent;
    this.clock = clock;
  }

  public CompletionStage<Optional<OutboundEvent>> of(DeliveryJob job) {
    DecodedKcid kcid = codec.decode(job.kcid());
    long sequence = ConversionStore.sequenceOf(job.conversionId());
    Optional<RecentEvents.Recorded> handedOff = job.attempts() == 0
        && job.trigger() == DeliveryTrigger.DELIVERY_TRIGGER_RECORDED
        ? recent.get(job.conversionId()) : Optional.empty();
    CompletableFuture<Optional<Conversion>> conversion;
    CompletableFuture<Optional<StoredClick>> click;
    if (handedOff.isPresent()) {
      conversion = conversions.asRead(kcid, sequence, handedOff.get().conversion()).toCompletableFuture()
          .thenApply(Optional::of);
      click = CompletableFuture.completedFuture(
          Optional.of(handedOff.get().click()).filter(c -> c.liveAt(clock.instant())));
    } else {
      conversion = conversions.find(kcid, sequence).toCompletableFuture();
      click = clicks.find(kcid).toCompletableFuture();
    }
    var account = accounts.get(job.accountId()).toCompletableFuture();
    return CompletableFuture.allOf(conversion, click, account).thenApply(x -> conversion.join().map(c ->
        new OutboundEvent(job.accountId(), Partners.partnerOf(account.join().account()), job.trigger(),
            c.toBuilder().setStatus(job.status()).build(),
            click.join().map(StoredClick::click).orElse((Click) null), job.created())));
  }

  /** Drops handed-over events past their time, so that none stays in memory longer than that. */
  public void forgetStale() {
    recent.expire();
  }
}
