package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CountingMode;
import java.time.Duration;

/**
 * Everything the atomic record step needs.
 *
 * @param requiredAccountId the click must belong to this account; empty accepts any
 * @param requestId idempotency key; empty when the caller sent none
 * @param fingerprint digest of the request's payload, to spot a request id reused for another
 * @param conversion the conversion to write (its id is assigned by the store)
 */
public record RecordCommand(
    DecodedKcid kcid,
    String requiredAccountId,
    String goalKey,
    CountingMode countingMode,
    String transactionId,
    String requestId,
    String fingerprint,
    Conversion conversion,
    Duration conversionTtl,
    Duration requestIdTtl) {}
