package io.kcid.edge.admin;

import io.kcid.proto.tracking.v1.ApiKey;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Who is signed in to the web view, as the tracking-server described the key (GetCaller), or the
 * edge's configured admin key (a platform caller). Only to choose the home page and to say who is
 * signed in: what a caller may read is decided by the server on every call, with the caller's key.
 *
 * @param name the key's name
 * @param partnerId the key's partner scope, empty for a platform key
 * @param accountId the key's account scope, empty unless the key is scoped to one account
 */
record AdminCaller(String name, String partnerId, String accountId) {
  /** The edge's configured admin key. */
  static AdminCaller configuredAdmin() {
    return new AdminCaller("edge admin key", "", "");
  }

  static AdminCaller of(ApiKey key) {
    return new AdminCaller(key.getName(), key.getPartnerId(), key.getAccountId());
  }

  /** The page a sign-in leads to: the account's, the partner's, or the list of partners. */
  String home() {
    if (!accountId.isEmpty()) {
      return "/admin/accounts/" + URLEncoder.encode(accountId, StandardCharsets.UTF_8);
    }
    if (!partnerId.isEmpty()) {
      return "/admin/partners/" + URLEncoder.encode(partnerId, StandardCharsets.UTF_8);
    }
    return "/admin/partners";
  }

  /** "name (partner agency-one)": what the pages show as signed in. */
  String describe() {
    if (!accountId.isEmpty()) {
      return name + " (account " + accountId + ")";
    }
    return partnerId.isEmpty() ? name + " (platform)" : name + " (partner " + partnerId + ")";
  }
}
