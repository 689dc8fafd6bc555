package io.kcid.server.click;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.store.ClickStore;
import java.util.concurrent.CompletionStage;

/** Reads a stored click by its kcid. */
public final class ClickLookup {
  private final KcidCodec codec;
  private final ClickStore clicks;

  public ClickLookup(KcidCodec codec, ClickStore clicks) {
    this.codec = codec;
    this.clicks = clicks;
  }

  /** The click, or a failed stage with CLICK_NOT_FOUND; an invalid kcid is refused before any read. */
  public CompletionStage<Click> get(String kcid) {
    DecodedKcid decoded = codec.decode(kcid);
    return clicks
        .find(decoded)
        .thenApply(
            found ->
                found
                    .orElseThrow(
                        () ->
                            new KcidException(
                                ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
                                "No click is stored for this kcid (never issued here, or expired)."))
                    .click());
  }
}
