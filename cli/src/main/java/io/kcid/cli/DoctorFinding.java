package io.kcid.cli;

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

  /** {@code ok|warn|fail  <check>: <finding> — <fix>}, the fix left out when there is none. */
  String line() {
    return String.format("%-4s  %s: %s%s", status.word(), check, finding, fix.isEmpty() ? "" : " — " + fix);
  }
}
