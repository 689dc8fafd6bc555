package io.kcid.edge;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up as named steps over a stack of what must be closed: each step registers how to undo
 * itself; when a step fails, everything opened before it is closed in reverse and the failure is
 * rethrown as {@code cannot <step>: <cause>}. A started edge closes the same stack, so shutdown
 * releases resources in exactly the reverse order start-up acquired them.
 */
final class StartupSteps implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StartupSteps.class);

  /** Something a step does; may throw anything (Netty rethrows checked exceptions unchecked). */
  @FunctionalInterface
  interface Action<T> {
    T run() throws Exception;
  }

  /** How to undo what a step opened. */
  @FunctionalInterface
  interface Undo<T> {
    void close(T opened) throws Exception;
  }

  /** What closes one opened resource. */
  @FunctionalInterface
  interface Closer {
    void close() throws Exception;
  }

  private record Opened(String name, Closer closer) {}

  private final Deque<Opened> opened = new ArrayDeque<>();

  /**
   * Runs the step named {@code name} (a verb phrase: "listen on 0.0.0.0:8080"), and remembers to
   * {@code undo} its result when the stack closes.
   *
   * @throws IllegalStateException {@code cannot <name>: <cause>}, after closing what earlier steps opened
   */
  <T> T open(String name, Action<T> step, Undo<? super T> undo) {
    T value = call(name, step);
    opened.push(new Opened(name, () -> undo.close(value)));
    return value;
  }

  /** Runs a step that opens nothing to close (or whose undo was registered before). */
  void run(String name, Closer step) {
    call(name, () -> {
      step.close();
      return null;
    });
  }

  /** Remembers something to do when the stack closes, at this point of the order. */
  void onClose(String name, Closer closer) {
    opened.push(new Opened(name, closer));
  }

  /** How many things the stack would close: for tests. */
  int size() {
    return opened.size();
  }

  /** Runs a step that opens nothing to close and returns what it made. */
  <T> T call(String name, Action<T> step) {
    try {
      return step.run();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot " + name + ": " + e.getMessage(), e);
    } catch (Error e) {
      close();
      throw e;
    }
  }

  /** Closes everything registered, last first; a failure to close one is logged and the rest still close. */
  @Override
  public void close() {
    while (!opened.isEmpty()) {
      Opened next = opened.pop();
      try {
        next.closer().close();
      } catch (Exception e) {
        log.warn("closing after '{}' failed: {}", next.name(), e.toString());
      }
    }
  }
}
