package io.kcid.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Account secrets the CLI saw when it created an account, kept on this machine (mode 600) so
 * {@code click-url} and {@code postback} work without pasting secrets. The server shows a postback
 * token only once; this file is the operator's copy, like a cloud CLI's credentials file.
 */
final class LocalCredentials {
  private static final JsonFactory JSON = new JsonFactory();

  record Secrets(String postbackToken, String clickSecret, String signingSecret) {
    Secrets with(Secrets changes) {
      return new Secrets(
          changes.postbackToken() != null ? changes.postbackToken() : postbackToken,
          changes.clickSecret() != null ? changes.clickSecret() : clickSecret,
          changes.signingSecret() != null ? changes.signingSecret() : signingSecret);
    }
  }

  private LocalCredentials() {}

  static Path home() {
    String env = System.getenv("KCID_HOME");
    return Path.of(env == null || env.isBlank() ? ".kcid" : env);
  }

  private static Path file(String accountId) {
    if (!accountId.matches("[a-z0-9_-]{1,64}")) {
      throw new CliException("account id '" + accountId + "' must match [a-z0-9_-]{1,64}");
    }
    return home().resolve("accounts").resolve(accountId + ".json");
  }

  static Path save(String accountId, Secrets secrets) {
    Path path = file(accountId);
    try {
      Files.createDirectories(path.getParent());
      Path tmp = Files.createTempFile(path.getParent(), accountId, ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system; the directory's permissions apply
      }
      try (JsonGenerator out = JSON.createGenerator(Files.newBufferedWriter(tmp))) {
        out.writeStartObject();
        out.writeStringField("account_id", accountId);
        out.writeStringField("postback_token", secrets.postbackToken());
        out.writeStringField("click_secret", secrets.clickSecret());
        out.writeStringField("postback_signing_secret", secrets.signingSecret());
        out.writeEndObject();
      }
      Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<Secrets> load(String accountId) {
    Path path = file(accountId);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    Map<String, String> fields = new HashMap<>();
    try (JsonParser in = JSON.createParser(path.toFile())) {
      while (in.nextToken() != null) {
        if (in.currentToken() == JsonToken.FIELD_NAME) {
          String name = in.currentName();
          in.nextToken();
          fields.put(name, in.getValueAsString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.of(new Secrets(
        fields.get("postback_token"), fields.get("click_secret"), fields.get("postback_signing_secret")));
  }
}
