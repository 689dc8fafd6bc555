package io.kcid.bench.env;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcStatTest {
  /** A real stat line's shape: pid, (comm), state, then the counters; utime 14, stime 15, cutime 16, cstime 17. */
  private static String stat(String comm, long utime, long stime, long cutime, long cstime) {
    return "4242 (" + comm + ") S 1 4242 4242 0 -1 4194560 51234 0 12 0 " + utime + " " + stime + " " + cutime + " "
        + cstime + " 20 0 31 0 123456 5368709120 98765 18446744073709551615 1 1 0 0 0 0 0 4096 17103 0 0 0 17 1 0 0 0 0 0\n";
  }

  @Test
  void cpuSecondsAreUserPlusSystemTicksAtOneHundredPerSecond() {
    assertThat(ProcStat.cpuSeconds(stat("java", 1234, 566, 7, 3))).isEqualTo(18.0);
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    long[] fields = ProcStat.fields(stat("nginx: worker (x) 1", 250, 50, 40, 2));

    assertThat(fields).containsExactly(250, 50, 40, 2);
  }

  @Test
  void readsThisProcessFromProc() {
    assertThat(ProcStat.cpuSeconds(ProcessHandle.current().pid())).isPositive();
    assertThat(ProcStat.cpuSeconds(Long.MAX_VALUE)).isNaN();
  }

  @Test
  void threadsAreChosenByNamePrefix() throws Exception {
    Thread busy = new Thread(() -> {
      long until = System.nanoTime() + 300_000_000L;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    }, "procstat-busy-1");
    busy.start();
    Thread.sleep(200);
    long pid = ProcessHandle.current().pid();

    assertThat(ProcStat.threadsCpuSeconds(pid, "procstat-busy")).isPositive();
    assertThat(ProcStat.threadsCpuSeconds(pid, "no-such-thread-name")).isZero();
    busy.join();
  }

  @Test
  void withChildrenCountsTheCpuOfChildrenThatAlreadyExited() throws Exception {
    // A shell whose subshell burns CPU and exits, waited for by the shell, which then sleeps.
    Process shell = new ProcessBuilder("sh", "-c", "(i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done); echo done; sleep 30")
        .redirectErrorStream(true).start();
    try {
      assertThat(new String(shell.getInputStream().readNBytes(4))).isEqualTo("done");
      long pid = shell.pid();

      double own = ProcStat.cpuSeconds(pid);
      double withChildren = ProcStat.cpuSecondsWithChildren(pid);
      assertThat(withChildren).isGreaterThan(own);
      assertThat(ProcStat.fields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")))[2])
          .isPositive(); // the subshell's user time, reaped by the shell
      assertThat(ProcStat.cpuSecondsWithChildren(Long.MAX_VALUE)).isNaN();
    } finally {
      shell.destroy();
    }
  }

  @Test
  void writeBytesCountWhatThisProcessWroteToAFileOnDisk() throws Exception {
    // Under target/, on disk: tmpfs pages are not counted.
    Path file = Files.createTempFile(Path.of("target"), "procstat", ".bin");
    try {
      long pid = ProcessHandle.current().pid();
      long before = ProcStat.writeBytes(pid);
      Files.write(file, new byte[2_000_000]);
      long after = ProcStat.writeBytes(pid);

      assertThat(before).isNotNegative();
      assertThat(after - before).isGreaterThanOrEqualTo(2_000_000);
      assertThat(ProcStat.writeBytes(Long.MAX_VALUE)).isEqualTo(-1);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void writeBytesLeaveOutWhatAChildWroteEvenOnceWaitedFor() throws Exception {
    // A shell whose child (head) writes 2 MB and exits, waited for by the shell, which then sleeps:
    // the kernel adds the child's figure to the shell's process-wide one, not to its threads'.
    Path file = Files.createTempFile(Path.of("target"), "procstat", ".bin");
    Process shell = new ProcessBuilder("sh", "-c", "head -c 2000000 /dev/zero > " + file + "; echo done; sleep 30")
        .redirectErrorStream(true).start();
    try {
      assertThat(new String(shell.getInputStream().readNBytes(4))).isEqualTo("done");
      String io = Files.readString(Path.of("/proc", Long.toString(shell.pid()), "io"));
      long processWide = Long.parseLong(io.replaceAll("(?s).*\\bwrite_bytes: *(\\d+).*", "$1"));

      assertThat(processWide).isGreaterThanOrEqualTo(2_000_000);
      assertThat(ProcStat.writeBytes(shell.pid())).isBetween(0L, 100_000L);
    } finally {
      shell.destroy();
      Files.deleteIfExists(file);
    }
  }
}
