package io.kcid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The spool check of {@code ./kcid doctor}: can the edge keep clicks in its spool directory here?
 * Creates and deletes one temporary file when the directory exists; creates nothing otherwise.
 */
final class SpoolDoctor {
  private static final String FIX = "make it a directory the edge's user can write, or set KCID_EDGE_SPOOL_DIR (off: no spool)";

  private SpoolDoctor() {}

  /**
   * @param configured KCID_EDGE_SPOOL_DIR: a directory, "off", or blank for {@code <kcidHome>/spool}
   *     (./kcid edge keeps one {@code edge-<port>} directory per port in it)
   */
  static DoctorFinding check(String configured, Path kcidHome) {
    String value = configured == null ? "" : configured.trim();
    if (value.equalsIgnoreCase("off")) {
      return DoctorFinding.ok("spool", "off: clicks are answered 503 while no tracking-server answers");
    }
    Path dir = (value.isEmpty() ? kcidHome.resolve("spool") : Path.of(value)).toAbsolutePath();
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing)) {
      return DoctorFinding.fail("spool", dir + " cannot be created: " + existing + " is not a directory", FIX);
    }
    if (!existing.equals(dir)) {
      return Files.isWritable(existing)
          ? DoctorFinding.ok("spool", dir + " does not exist yet; the edge will create it in " + existing)
          : DoctorFinding.fail("spool", dir + " cannot be created: " + existing + " is not writable", FIX);
    }
    try {
      Files.delete(Files.createTempFile(dir, ".doctor", ".tmp"));
      return DoctorFinding.ok("spool", dir + " is writable");
    } catch (IOException | SecurityException e) {
      return DoctorFinding.fail("spool", dir + " is not writable: " + e.getMessage(), FIX);
    }
  }
}
