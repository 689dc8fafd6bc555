package io.kcid.server.click;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidDiagnosis;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.InspectKcidResponse;

/** A kcid's diagnosis as the API reports it (InspectKcid, ExplainClick). */
public final class KcidInspection {
  private KcidInspection() {}

  public static InspectKcidResponse inspect(KcidCodec codec, String kcid) {
    KcidDiagnosis diagnosis = codec.inspect(kcid);
    InspectKcidResponse.Builder response =
        InspectKcidResponse.newBuilder()
            .setValid(diagnosis.valid())
            .setReason(diagnosis.valid() ? ErrorReason.ERROR_REASON_UNSPECIFIED : diagnosis.reason())
            .setHint(diagnosis.hint() == null ? "" : diagnosis.hint());
    diagnosis
        .decoded()
        .ifPresent(
            d ->
                response
                    .setNormalizedKcid(d.kcid())
                    .setVersion(d.version())
                    .setIssueTime(Timestamp.newBuilder().setSeconds(d.issueTime().getEpochSecond()))
                    .setPartition(d.partition())
                    .setKeyId(d.keyId()));
    return response.build();
  }
}
