package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Click;

/** A click as read back from the store, with the account that owns it. */
public record StoredClick(String accountId, Click click) {}
