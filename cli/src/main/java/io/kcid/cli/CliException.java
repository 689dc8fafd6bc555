package io.kcid.cli;

/** A problem the CLI explains itself: a usage error (exit code 2) unless made {@link #unavailable}. */
final class CliException extends RuntimeException {
  private final int exitCode;

  CliException(String message) {
    this(message, CliErrors.USAGE);
  }

  private CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  /** Something the CLI talks to cannot be reached now: retry later (exit code 3). */
  static CliException unavailable(String message) {
    return new CliException(message, CliErrors.UNAVAILABLE);
  }

  int exitCode() {
    return exitCode;
  }
}
