package io.kcid.cli;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import picocli.CommandLine;

/**
 * Prints failures as one readable line (the gRPC reason and hint for API errors, the message for
 * configuration errors) and picks the exit code scripts branch on (docs/clients.md, "Exit codes"):
 * 0 ok, 1 refused with a reason, 2 usage or configuration error, 3 unavailable — retry later.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {
  static final int REFUSED = 1;
  /** Also what picocli returns for a bad flag ({@link CommandLine.ExitCode#USAGE}). */
  static final int USAGE = CommandLine.ExitCode.USAGE;
  static final int UNAVAILABLE = 3;

  @Override
  public int handleExecutionException(
      Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    if (e instanceof StatusRuntimeException s) {
      System.err.println("kcid: " + describe(s));
      return exitCode(s);
    }
    if (e instanceof CliException c) {
      System.err.println("kcid: " + c.getMessage());
      return c.exitCode();
    }
    if (e instanceof IllegalArgumentException) {
      System.err.println("kcid: " + e.getMessage());
      return USAGE;
    }
    if (e instanceof java.io.IOException) {
      // The network between the CLI and what it talks to: worth a retry.
      System.err.println("kcid: " + e);
      return UNAVAILABLE;
    }
    System.err.println("kcid: " + e);
    return REFUSED;
  }

  /**
   * 3 when the server could not answer now (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED —
   * kcid's only RESOURCE_EXHAUSTED is RATE_LIMITED, "retry after"), 1 for every other refusal.
   */
  static int exitCode(StatusRuntimeException s) {
    return switch (s.getStatus().getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> UNAVAILABLE;
      default -> REFUSED;
    };
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
