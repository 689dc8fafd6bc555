package io.kcid.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up as named steps: each step registers what it opened, and a failed step closes everything
 * opened before it, newest first, then rethrows with the step's name in the message.
 */
final class StartupSteps {
  private static final Logger log = LoggerFactory.getLogger(StartupSteps.class);

  /** One step's work; may throw anything. */
  @FunctionalInterface
  interface Step<T> {
    T run() throws Exception;
  }

  private final Deque<Named> opened = new ArrayDeque<>();

  private record Named(String what, AutoCloseable resource) {}

  /** Runs {@code step}; on failure unwinds what earlier steps opened and throws. */
  <T> T run(String step, Step<T> work) {
    try {
      return work.run();
    } catch (Exception e) {
      unwind(e);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting (" + step + ")", e);
      }
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (e instanceof IOException io) {
        throw new UncheckedIOException("Cannot " + step + ": " + e.getMessage(), io);
      }
      throw new IllegalStateException(
          "Cannot start the tracking-server: cannot " + step + ": " + cause.getMessage(), e);
    } catch (Error e) {
      unwind(e);
      throw e;
    }
  }

  /** What must be closed if a later step fails; closed in reverse order of registration. */
  <T extends AutoCloseable> T closeOnFailure(String what, T resource) {
    opened.push(new Named(what, resource));
    return resource;
  }

  /** Start-up succeeded: the running server owns everything from here on. */
  void done() {
    opened.clear();
  }

  private void unwind(Throwable failure) {
    while (!opened.isEmpty()) {
      Named next = opened.pop();
      try {
        next.resource().close();
      } catch (Exception e) {
        failure.addSuppressed(e);
        log.warn("cannot close {} after a failed start: {}", next.what(), e.toString());
      }
    }
  }
}
