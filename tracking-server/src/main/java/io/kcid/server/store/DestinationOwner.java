package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Destination;
import java.util.Objects;

/**
 * Whose a destination is: an account's own, or a partner's (applied to all its accounts). The
 * {@link #label} ("a:&lt;id&gt;" / "p:&lt;id&gt;") is how delivery jobs name the owner.
 */
public record DestinationOwner(Kind kind, String id) {
  /** The two kinds of owner. */
  public enum Kind { ACCOUNT, PARTNER }

  public DestinationOwner {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
  }

  public static DestinationOwner account(String accountId) {
    return new DestinationOwner(Kind.ACCOUNT, accountId);
  }

  public static DestinationOwner partner(String partnerId) {
    return new DestinationOwner(Kind.PARTNER, partnerId);
  }

  /** The owner a stored destination names (its account_id, else its partner_id). */
  public static DestinationOwner of(Destination destination) {
    return destination.getAccountId().isEmpty()
        ? partner(destination.getPartnerId())
        : account(destination.getAccountId());
  }

  /** "a:&lt;id&gt;" or "p:&lt;id&gt;". */
  public String label() {
    return (kind == Kind.ACCOUNT ? "a:" : "p:") + id;
  }

  @Override
  public String toString() {
    return label();
  }
}
