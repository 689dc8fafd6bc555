package io.kcid.cli;

import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.server.auth.ConfiguredApiKeys.ConfiguredKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The API keys {@code kcid up} makes for itself, kept in {@code $KCID_HOME} (mode 600): one for its
 * edge (issue + ingest) and one for this machine's CLI (every role), so a local deployment works the
 * same whether its server runs with open or required auth. The CLI uses the local admin key when
 * KCID_API_KEY is not set.
 */
final class LocalApiKeys {
  static final String EDGE = "local-edge";
  static final String ADMIN = "local-admin";
  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalApiKeys() {}

  /** The local edge and admin keys, generated on first use. */
  static List<ConfiguredKey> ensure(Path home) {
    return List.of(
        new ConfiguredKey(EDGE, EnumSet.of(ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_INGEST), secret(home, EDGE, true)),
        new ConfiguredKey(ADMIN, EnumSet.of(ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_INGEST,
            ApiKeyRole.API_KEY_ROLE_READ, ApiKeyRole.API_KEY_ROLE_ADMIN), secret(home, ADMIN, true)));
  }

  /** The local admin key, if {@code kcid up} made one here. */
  static Optional<String> admin(Path home) {
    Path file = file(home, ADMIN);
    return Files.isReadable(file) ? Optional.of(secret(home, ADMIN, false)) : Optional.empty();
  }

  private static Path file(Path home, String name) {
    return home.resolve("api-keys").resolve(name);
  }

  private static String secret(Path home, String name, boolean create) {
    Path file = file(home, name);
    try {
      if (Files.exists(file) || !create) {
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
      }
      Files.createDirectories(file.getParent());
      byte[] random = new byte[32];
      RANDOM.nextBytes(random);
      String secret = "kak_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.writeString(file, secret + "\n", StandardCharsets.US_ASCII);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the local API key " + file, e);
    }
  }
}
