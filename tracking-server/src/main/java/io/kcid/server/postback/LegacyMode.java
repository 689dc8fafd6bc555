package io.kcid.server.postback;

import io.kcid.core.KcidException;
import io.kcid.server.store.AccountRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * Accounts in "legacy 200" mode have senders that retry anything but HTTP 200. Their rejections
 * carry a flag (ErrorInfo metadata) so the edge answers 200 with the reason in the body; unknown
 * outcomes keep their 503, since those must be retried.
 */
public final class LegacyMode {
  /** Metadata key read by the edge. */
  public static final String METADATA_KEY = "legacyHttp200";

  private LegacyMode() {}

  /** The rejection, flagged when the account asked for legacy answers. */
  public static KcidException mark(AccountRecord account, KcidException rejection) {
    if (!account.account().getLegacyHttp200() || rejection.metadata().containsKey(METADATA_KEY)) {
      return rejection;
    }
    Map<String, String> metadata = new HashMap<>(rejection.metadata());
    metadata.put(METADATA_KEY, "true");
    return new KcidException(rejection.reason(), rejection.getMessage(), metadata);
  }
}
