package io.kcid.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One line of {@code ./kcid doctor}: what was checked, what was found, and what to do about it.
 *
 * @param fix empty when there is nothing to do
 */
record DoctorFinding(Status status, String check, String finding, String fix) {
  /** How a check came out: ok, worth a look (warn), or broken (fail: doctor exits 1). */
  enum Status {
    OK, WARN, FAIL;

    /** The word printed for it: ok, warn, fail. */
    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static DoctorFinding ok(String check, String finding) {
    return new DoctorFinding(Status.OK, check, finding, "");
  }

  static DoctorFinding warn(String check, String finding, String fix) {
    return new DoctorFinding(Status.WARN, check, finding, fix);
  }

  static DoctorFinding fail(String check, String finding, String fix) {
    return new DoctorFinding(Status.FAIL, check, finding, fix);
  }

  /**
   * Another host's clock ({@code remote}) against ours at the same moment ({@code local}): ok within
   * a second, warn beyond, fail beyond 30 s — click expiry, attribution and signature windows
   * compare times taken on different hosts.
   */
  static DoctorFinding clockSkew(String check, Instant remote, Instant local) {
    Duration skew = Duration.between(local, remote);
    String finding = "differs from this machine's by " + skew.toMillis() + " ms";
    if (skew.abs().compareTo(Duration.ofSeconds(30)) > 0) {
      return fail(check, finding, "run NTP (chrony, systemd-timesyncd) on every host: windows and expiries drift");
    }
    if (skew.abs().compareTo(Duration.ofSeconds(1)) > 0) {
      return warn(check, finding, "run NTP (chrony, systemd-timesyncd) on every host");
    }
    return ok(check, finding);
  }

  /** {@code ok|warn|fail  <check>: <finding> — <fix>}, the fix left out when there is none. */
  String line() {
    return String.format("%-4s  %s: %s%s", status.word(), check, finding, fix.isEmpty() ? "" : " — " + fix);
  }
}
