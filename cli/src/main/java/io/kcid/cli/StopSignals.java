package io.kcid.cli;

import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) and SIGTERM handled by the command instead of the JVM's shutdown: the JVM would
 * run every shutdown hook at once, libraries' included, when a long-running command needs to stop
 * its parts in order first and exit afterwards. sun.misc.Signal (module jdk.unsupported) is the
 * only way the JDK offers; where a signal is ignored (a job started in the background ignores
 * SIGINT), the JVM keeps ignoring it.
 */
final class StopSignals {
  private StopSignals() {}

  /** Runs {@code stop} on the first SIGINT or SIGTERM; later ones change nothing. */
  static void onStop(Runnable stop) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal.handle(new Signal(name), signal -> stop.run());
      } catch (IllegalArgumentException e) {
        // This JVM does not let the signal be handled (e.g. -Xrs): its shutdown hooks stop instead.
      }
    }
  }
}
