package io.kcid.server.auth;

import io.kcid.proto.tracking.v1.ApiKeyRole;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The role names people type ({@code issue}, {@code ingest}, {@code read}, {@code admin}) and the proto enum. */
public final class ApiKeyRoles {
  private static final String PREFIX = "API_KEY_ROLE_";

  private ApiKeyRoles() {}

  /** {@code issue} -&gt; API_KEY_ROLE_ISSUE; IllegalArgumentException naming the choices otherwise. */
  public static ApiKeyRole parse(String name) {
    String upper = name.trim().toUpperCase(Locale.ROOT);
    for (ApiKeyRole role : assignable()) {
      if (role.name().equals(PREFIX + upper)) {
        return role;
      }
    }
    throw new IllegalArgumentException("unknown role '" + name + "': expected issue, ingest, read or admin");
  }

  /** API_KEY_ROLE_ISSUE -&gt; {@code issue}. */
  public static String name(ApiKeyRole role) {
    return role.name().substring(PREFIX.length()).toLowerCase(Locale.ROOT);
  }

  /** Every role a key can hold. */
  public static Set<ApiKeyRole> assignable() {
    return EnumSet.of(
        ApiKeyRole.API_KEY_ROLE_ISSUE,
        ApiKeyRole.API_KEY_ROLE_INGEST,
        ApiKeyRole.API_KEY_ROLE_READ,
        ApiKeyRole.API_KEY_ROLE_ADMIN);
  }
}
