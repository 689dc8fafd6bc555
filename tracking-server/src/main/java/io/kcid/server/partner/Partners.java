package io.kcid.server.partner;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.server.common.Timestamps;
import java.time.Instant;

/** The default partner and which partner an account belongs to. */
public final class Partners {
  /** The partner of every account created without one, and of every account stored before partners. */
  public static final String DEFAULT_ID = "default";

  private Partners() {}

  /**
   * The account's partner id. Accounts stored by versions without partners have no partner_id:
   * they belong to the default partner (the online migration is this read, no rewrite).
   */
  public static String partnerOf(Account account) {
    return account.getPartnerId().isEmpty() ? DEFAULT_ID : account.getPartnerId();
  }

  /** The default partner as created on first use: active, with the defaults accounts had before partners. */
  public static Partner defaultPartner(Instant now) {
    var time = Timestamps.of(now);
    return Partner.newBuilder()
        .setPartnerId(DEFAULT_ID)
        .setDisplayName("Default partner")
        .setS2SActive(true)
        .setDefaults(PartnerDefaults.newBuilder().addPostbackAuthMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN))
        .setCreateTime(time)
        .setUpdateTime(time)
        .build();
  }
}
