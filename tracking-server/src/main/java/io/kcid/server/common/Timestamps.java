package io.kcid.server.common;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** The one conversion from {@link Instant} to the protobuf {@link Timestamp} every reply carries. */
public final class Timestamps {
  private Timestamps() {}

  public static Timestamp of(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
