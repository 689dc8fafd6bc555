package io.kcid.bench.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of Linux processes from {@code /proc/<pid>/stat}: user + system time, in seconds. Each
 * component runs in its own process so that its CPU can be told apart from the others'.
 */
public final class ProcStat {
  /** USER_HZ: the unit of the stat file's times; 100 on every Linux architecture kcid runs on. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcStat() {}

  /** utime + stime of a {@code /proc/<pid>/stat} line, in seconds. */
  public static double cpuSeconds(String statLine) {
    long[] f = fields(statLine);
    return (f[0] + f[1]) / TICKS_PER_SECOND;
  }

  /** utime + stime of the process, or NaN when it is gone. */
  public static double cpuSeconds(long pid) {
    long[] f = fields(pid);
    return f == null ? Double.NaN : (f[0] + f[1]) / TICKS_PER_SECOND;
  }

  /**
   * The process, its children that exited and were waited for (cutime + cstime) and those still
   * running or not yet waited for: what redis-server spends including the children it forks to
   * rewrite its append-only file, whose CPU is the price of the writes that made the file grow.
   */
  public static double cpuSecondsWithChildren(long pid) {
    return cpuSeconds(pid) + childrenCpuSeconds(pid);
  }

  /** The children alone (those waited for, and those still running or not yet waited for). */
  public static double childrenCpuSeconds(long pid) {
    // The reaped children first: one reaped between the two reads is then missed, never counted twice.
    return reapedChildrenCpuSeconds(pid) + descendantsCpuSeconds(pid);
  }

  /**
   * Bytes the live threads of the process have caused to be written to storage so far (the
   * {@code write_bytes} of each {@code /proc/<pid>/task/<tid>/io}: pages they dirtied), or -1 when
   * unreadable. Per thread, because the process's own figure also takes in the children it waited
   * for. For redis-server: what its main thread appended to the AOF, to a page; the children that
   * rewrite the file count their own.
   */
  public static long writeBytes(long pid) {
    long total = -1;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          for (String line : Files.readAllLines(task.resolve("io"))) {
            if (line.startsWith("write_bytes:")) {
              total = Math.max(total, 0) + Long.parseLong(line.substring("write_bytes:".length()).trim());
            }
          }
        } catch (IOException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1; // gone, or a kernel without per-task I/O accounting
    }
    return total;
  }

  /** The process and every live descendant (nginx's workers). */
  public static double treeCpuSeconds(long pid) {
    return cpuSeconds(pid) + descendantsCpuSeconds(pid);
  }

  /** Every live descendant of the process (0 when it is gone). */
  private static double descendantsCpuSeconds(long pid) {
    double total = 0;
    for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(java.util.List.of())) {
      double c = cpuSeconds(child.pid());
      if (!Double.isNaN(c)) {
        total += c;
      }
    }
    return total;
  }

  /**
   * CPU seconds of the threads of {@code pid} whose name starts with {@code prefix} (as the kernel
   * keeps it: the first 15 characters), from {@code /proc/<pid>/task/<tid>/stat}; threads that
   * ended are not counted.
   */
  public static double threadsCpuSeconds(long pid, String prefix) {
    double total = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String line = Files.readString(task.resolve("stat"));
          String name = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
          if (name.startsWith(prefix)) {
            total += cpuSeconds(line);
          }
        } catch (IOException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return total;
  }

  /**
   * CPU of this JVM's children that have exited and been waited for (cutime + cstime): how a
   * short-lived load generator such as wrk is measured, by the difference around its run.
   */
  public static double reapedChildrenCpuSeconds() {
    return reapedChildrenCpuSeconds(ProcessHandle.current().pid());
  }

  /** cutime + cstime of the process, or NaN when it is gone. */
  private static double reapedChildrenCpuSeconds(long pid) {
    long[] f = fields(pid);
    return f == null ? Double.NaN : (f[2] + f[3]) / TICKS_PER_SECOND;
  }

  private static long[] fields(long pid) {
    try {
      return fields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException e) {
      return null;
    }
  }

  /** {utime, stime, cutime, cstime} in ticks: fields 14–17 of a stat line, counted after the command name. */
  static long[] fields(String line) {
    // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    String[] rest = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
    // rest[0] is field 3 (state), so field n is rest[n - 3].
    return new long[] {
      Long.parseLong(rest[11]), Long.parseLong(rest[12]), Long.parseLong(rest[13]), Long.parseLong(rest[14])
    };
  }
}
