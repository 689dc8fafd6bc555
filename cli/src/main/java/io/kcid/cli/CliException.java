package io.kcid.cli;

/** A usage problem the CLI explains itself (exit code 2). */
final class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }
}
