package io.kcid.server.auth;

import io.kcid.proto.tracking.v1.ApiKey;

/**
 * Where an API key may act: the whole platform, one partner and its accounts, or one account. Its
 * roles apply within it. {@link #toString} is the form refusals name ({@code partner:agency-one}).
 */
public record KeyScope(Kind kind, String partnerId, String accountId) {
  /** The breadth of a scope. */
  public enum Kind {
    PLATFORM,
    PARTNER,
    ACCOUNT
  }

  public static final KeyScope PLATFORM = new KeyScope(Kind.PLATFORM, "", "");

  public KeyScope {
    partnerId = partnerId == null ? "" : partnerId;
    accountId = accountId == null ? "" : accountId;
  }

  public static KeyScope partner(String partnerId) {
    return new KeyScope(Kind.PARTNER, partnerId, "");
  }

  public static KeyScope account(String partnerId, String accountId) {
    return new KeyScope(Kind.ACCOUNT, partnerId, accountId);
  }

  /** The scope a stored key carries: account_id wins, then partner_id, else the platform. */
  public static KeyScope of(ApiKey key) {
    if (!key.getAccountId().isEmpty()) {
      return account(key.getPartnerId(), key.getAccountId());
    }
    return key.getPartnerId().isEmpty() ? PLATFORM : partner(key.getPartnerId());
  }

  public boolean isPlatform() {
    return kind == Kind.PLATFORM;
  }

  /** Whether this scope covers the partner itself (its record, its account list, new accounts). */
  public boolean ownsPartner(String partner) {
    return kind == Kind.PLATFORM || (kind == Kind.PARTNER && partnerId.equals(partner));
  }

  /** Whether this scope covers an account owned by {@code owner}. */
  public boolean ownsAccount(String account, String owner) {
    return switch (kind) {
      case PLATFORM -> true;
      case PARTNER -> partnerId.equals(owner);
      case ACCOUNT -> accountId.equals(account);
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PLATFORM -> "platform";
      case PARTNER -> "partner:" + partnerId;
      case ACCOUNT -> "account:" + accountId;
    };
  }
}
