package io.kcid.server.store;

import io.kcid.proto.tracking.v1.SecretKind;

/** The stored field names of each secret kind, shared by the store and its scripts. */
public final class SecretKinds {
  private SecretKinds() {}

  /** Field of the current value; the previous one is {@code <field>_prev}, its expiry {@code <field>_prev_exp}. */
  public static String field(SecretKind kind) {
    return switch (kind) {
      case SECRET_KIND_POSTBACK_TOKEN -> "token_sha256";
      case SECRET_KIND_CLICK_SECRET -> "click_secret";
      case SECRET_KIND_POSTBACK_SIGNING_SECRET -> "signing_secret";
      default -> throw new IllegalArgumentException("No secret kind: " + kind);
    };
  }
}
