package io.kcid.server.delivery;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.StoredClick;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Resolves a job into the event it sends: the conversion as readers see it (with the status the
 * event carried, and its value in the account's reporting currency when it has one), its click (null once expired or erased: its macros render empty) and the account's
 * partner. Empty when the conversion itself is gone (its click was erased or expired).
 */
public final class OutboundEvents {
  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final ClickStore clicks;
  private final AccountDirectory accounts;

  public OutboundEvents(KcidCodec codec, ConversionStore conversions, ClickStore clicks, AccountDirectory accounts) {
    this.codec = codec;
    this.conversions = conversions;
    this.clicks = clicks;
    this.accounts = accounts;
  }

  public CompletionStage<Optional<OutboundEvent>> of(DeliveryJob job) {
    DecodedKcid kcid = codec.decode(job.kcid());
    var conversion = conversions.find(kcid, ConversionStore.sequenceOf(job.conversionId())).toCompletableFuture();
    var click = clicks.find(kcid).toCompletableFuture();
    var account = accounts.get(job.accountId()).toCompletableFuture();
    return CompletableFuture.allOf(conversion, click, account).thenApply(x -> conversion.join().map(c ->
        new OutboundEvent(job.accountId(), Partners.partnerOf(account.join().account()), job.trigger(),
            c.toBuilder().setStatus(job.status()).build(),
            click.join().map(StoredClick::click).orElse((Click) null), job.created())));
  }
}
