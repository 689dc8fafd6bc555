package io.kcid.server.auth;

import io.kcid.proto.tracking.v1.ApiKeyRole;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * API keys given in the configuration ({@code KCID_API_KEYS=name:role+role:secret,…}): how the
 * first admin key exists before anyone could create one through AdminService. They live in memory
 * only; remove one from the configuration (and restart) to revoke it.
 */
public final class ConfiguredApiKeys {
  /** Long enough to be unguessable, in the alphabet generated keys use. */
  static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{24,256}");
  static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,64}");

  /** One configured key. {@code toString} never shows the secret. */
  public record ConfiguredKey(String name, Set<ApiKeyRole> roles, String secret) {
    public ConfiguredKey {
      roles = Set.copyOf(roles);
    }

    @Override
    public String toString() {
      return "ConfiguredKey[" + name + ", " + roles + "]";
    }
  }

  private ConfiguredApiKeys() {}

  /** Parses and validates the spec; an empty or null spec is no keys. Messages never quote a secret. */
  public static List<ConfiguredKey> parse(String spec) {
    List<ConfiguredKey> keys = new ArrayList<>();
    if (spec == null || spec.isBlank()) {
      return keys;
    }
    Set<String> names = new HashSet<>();
    Set<String> secrets = new HashSet<>();
    int position = 0;
    for (String entry : spec.split(",")) {
      position++;
      String[] parts = entry.trim().split(":", 3);
      if (parts.length != 3) {
        throw invalid(position, "expected name:role+role:secret");
      }
      String name = parts[0];
      if (!NAME.matcher(name).matches()) {
        throw invalid(position, "name '" + name + "' must match [a-z0-9_-]{1,64}");
      }
      Set<ApiKeyRole> roles = EnumSet.noneOf(ApiKeyRole.class);
      for (String role : parts[1].split("\\+")) {
        try {
          roles.add(ApiKeyRoles.parse(role));
        } catch (IllegalArgumentException e) {
          throw invalid(position, e.getMessage());
        }
      }
      if (!SECRET.matcher(parts[2]).matches()) {
        throw invalid(position, "the secret of '" + name + "' must be 24 to 256 characters of [A-Za-z0-9_-]");
      }
      if (!names.add(name)) {
        throw invalid(position, "name '" + name + "' is given twice");
      }
      if (!secrets.add(parts[2])) {
        throw invalid(position, "the secret of '" + name + "' is used by another key");
      }
      keys.add(new ConfiguredKey(name, roles, parts[2]));
    }
    return keys;
  }

  private static IllegalArgumentException invalid(int position, String problem) {
    return new IllegalArgumentException("KCID_API_KEYS entry " + position + ": " + problem);
  }
}
