package io.kcid.cli;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import picocli.CommandLine;

/**
 * Prints failures as one readable line: the gRPC reason and hint for API errors, the message for
 * configuration errors. Exit codes: 1 for an API error, 2 for a usage or configuration error.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(
      Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    if (e instanceof StatusRuntimeException s) {
      System.err.println("kcid: " + describe(s));
      return 1;
    }
    if (e instanceof IllegalArgumentException || e instanceof CliException) {
      System.err.println("kcid: " + e.getMessage());
      return 2;
    }
    System.err.println("kcid: " + e);
    return 1;
  }

  static String describe(StatusRuntimeException s) {
    com.google.rpc.Status status = StatusProto.fromThrowable(s);
    String reason = Status.fromThrowable(s).getCode().name();
    if (status != null) {
      for (var detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            reason = detail.unpack(ErrorInfo.class).getReason();
          } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
            // keep the status code as the reason
          }
        }
      }
    }
    String message = Status.fromThrowable(s).getDescription();
    if (Status.fromThrowable(s).getCode() == Status.Code.UNAVAILABLE && status != null
        && status.getDetailsCount() == 0) {
      message = "cannot reach the tracking-server (is `./kcid up` running? KCID_GRPC_ADDR)";
    }
    return reason + ": " + message;
  }
}
