package io.kcid.server.delivery;

import java.util.concurrent.CompletionStage;

/**
 * Sends one attempt of a job over HTTP. Implementations never throw for a receiver's failure:
 * every way an attempt can end is an {@link AttemptResult}. They enforce the network safety rules
 * (no forbidden addresses, no redirects, timeouts, bounded response reads).
 */
public interface DeliverySender {
  CompletionStage<AttemptResult> send(OutboundMessage message);
}
