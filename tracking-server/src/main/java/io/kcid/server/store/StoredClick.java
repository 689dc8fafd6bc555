package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Click;
import java.time.Instant;

/** A click as read back from the store, with the account that owns it. */
public record StoredClick(String accountId, Click click) {
  /** Whether the click still counts at {@code now}: its store entry may outlive it by up to an hour. */
  public boolean liveAt(Instant now) {
    return click.getExpireTime().getSeconds() > now.getEpochSecond();
  }
}
