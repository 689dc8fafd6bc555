package io.kcid.client;

import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;

/** Runs one blocking call and turns its gRPC failure into a {@link KcidException}. */
final class Calls {
  private Calls() {}

  static <T> T call(Supplier<T> call) {
    try {
      return call.get();
    } catch (StatusRuntimeException e) {
      throw KcidException.from(e);
    }
  }
}
