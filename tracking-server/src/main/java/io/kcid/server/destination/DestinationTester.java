package io.kcid.server.destination;

import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Timestamps;
import io.kcid.server.delivery.ActiveDestination;
import io.kcid.server.delivery.DeliverySender;
import io.kcid.server.delivery.OutboundEvent;
import io.kcid.server.delivery.OutboundMessage;
import io.kcid.server.delivery.OutboundPayloads;
import io.kcid.server.partner.Partners;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * TestDestination: one synthetic test conversion (test = true, delivery id "test_…") sent to a
 * destination now, through the same sender the workers use, with nothing queued or retried.
 */
public final class DestinationTester {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DestinationAdmin destinations;
  private final AccountDirectory accounts;
  private final DeliverySender sender;
  private final Clock clock;

  public DestinationTester(DestinationAdmin destinations, AccountDirectory accounts, DeliverySender sender, Clock clock) {
    this.destinations = destinations;
    this.accounts = accounts;
    this.sender = sender;
    this.clock = clock;
  }

  public CompletionStage<TestDestinationResponse> test(TestDestinationRequest request) {
    return destinations
        .active(request.getAccountId(), request.getPartnerId(), request.getDestinationId())
        .thenCompose(active -> event(active.destination()).thenCompose(event -> send(active, event)));
  }

  private CompletionStage<TestDestinationResponse> send(ActiveDestination active, OutboundEvent event) {
    String deliveryId = "test_" + HexFormat.of().formatHex(randomBytes(13));
    Destination d = active.destination();
    OutboundMessage message = new OutboundMessage(deliveryId, d, active.signingSecrets(), event);
    String url = d.getKind() == DestinationKind.DESTINATION_KIND_POSTBACK
        ? OutboundPayloads.postbackUri(message).toString()
        : d.getUrl();
    return sender.send(message)
        .thenApply(result -> TestDestinationResponse.newBuilder().setAttempt(result.attempt()).setRequestUrl(url).build());
  }

  /** The test event: the destination's account (a partner's: a placeholder one), its first goal and trigger. */
  private CompletionStage<OutboundEvent> event(Destination d) {
    CompletionStage<String> partner = d.getAccountId().isEmpty()
        ? CompletableFuture.completedFuture(d.getPartnerId())
        : accounts.get(d.getAccountId()).thenApply(record -> Partners.partnerOf(record.account()));
    String accountId = d.getAccountId().isEmpty() ? "test-account" : d.getAccountId();
    Instant now = clock.instant();
    DeliveryTrigger trigger = d.getTriggersCount() == 0 ? DeliveryTrigger.DELIVERY_TRIGGER_RECORDED : d.getTriggers(0);
    ConversionStatus status = switch (trigger) {
      case DELIVERY_TRIGGER_PENDING -> ConversionStatus.CONVERSION_STATUS_PENDING;
      case DELIVERY_TRIGGER_REJECTED -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      default -> ConversionStatus.CONVERSION_STATUS_APPROVED;
    };
    String kcid = "test-" + HexFormat.of().formatHex(randomBytes(8));
    Instant clickTime = now.minus(Duration.ofHours(1));
    Conversion conversion = Conversion.newBuilder()
        .setConversionId(kcid + "-1")
        .setKcid(kcid)
        .setAccountId(accountId)
        .setGoalKey(d.getGoalKeysCount() == 0 ? "default" : d.getGoalKeys(0))
        .setStatus(status)
        .setValue(Money.newBuilder().setAmount("1.00").setCurrencyCode("USD"))
        .setTransactionId("test-txid")
        .setEventTime(Timestamps.of(now))
        .setRecordTime(Timestamps.of(now))
        .setClickTime(Timestamps.of(clickTime))
        .setTest(true)
        .build();
    Click click = Click.newBuilder()
        .setKcid(kcid)
        .setAccountId(accountId)
        .setCampaignId("test-campaign")
        .setCreativeId("test-creative")
        .setPlacementId("test-placement")
        .putSubIds("s1", "test-s1")
        .setClickTime(Timestamps.of(clickTime))
        .build();
    return partner.thenApply(p -> new OutboundEvent(accountId, p, trigger, conversion, click, now));
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
