package io.kcid.server.account;

import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.common.Identifiers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * An account's postback authentication settings as created and changed: methods, IP allowlist and
 * signature tolerance are three settings, and an update changes only the ones it names.
 *
 * <p>New accounts state their methods ({@code TOKEN}). Accounts stored by older versions may hold
 * no method: with no allowlist that still means TOKEN, with an allowlist it means IP-only — read
 * exactly as {@code PostbackAuthenticator} reads them. An update that names only an allowlist or a
 * tolerance therefore keeps the effective methods; going IP-only is explicit
 * ({@code update_auth_methods} with no method).
 */
public final class PostbackAuthSettings {
  static final int MAX_ALLOWLIST = 256;
  static final Duration MAX_SIGNATURE_TOLERANCE = Duration.ofHours(1);

  private PostbackAuthSettings() {}

  /** What a new account starts with: the postback token, stated. */
  public static PostbackAuth initial() {
    return PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).build();
  }

  /** What a new account of a partner starts with: the partner's default methods, else the token. */
  public static PostbackAuth initial(PartnerDefaults defaults) {
    return defaults.getPostbackAuthMethodsCount() == 0
        ? initial()
        : PostbackAuth.newBuilder().addAllMethods(defaults.getPostbackAuthMethodsList()).build();
  }

  /** Whether {@code request} names any postback authentication setting. */
  public static boolean touched(UpdateAccountRequest request) {
    return request.hasPostbackAuth() || request.getUpdateAuthMethods() || request.getUpdateIpAllowlist();
  }

  /** The methods {@code stored} accepts, as {@code PostbackAuthenticator} reads them. */
  public static List<PostbackAuthMethod> effectiveMethods(PostbackAuth stored) {
    if (stored.getMethodsCount() == 0 && stored.getIpAllowlistCount() == 0) {
      return List.of(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN);
    }
    return stored.getMethodsList();
  }

  /**
   * {@code stored} with the settings {@code request} names replaced and the others kept; methods
   * stated explicitly. Refuses invalid settings and a result that would accept no postback.
   */
  public static PostbackAuth updated(PostbackAuth stored, UpdateAccountRequest request) {
    PostbackAuth asked = request.getPostbackAuth();
    boolean methodsNamed = asked.getMethodsCount() > 0 || request.getUpdateAuthMethods();
    boolean allowlistNamed = asked.getIpAllowlistCount() > 0 || request.getUpdateIpAllowlist();

    List<PostbackAuthMethod> methods = methodsNamed ? checkedMethods(asked.getMethodsList()) : effectiveMethods(stored);
    List<String> allowlist = allowlistNamed ? checkedAllowlist(asked.getIpAllowlistList()) : stored.getIpAllowlistList();
    PostbackAuth.Builder result = PostbackAuth.newBuilder().addAllMethods(methods).addAllIpAllowlist(allowlist);
    if (asked.hasSignatureTolerance()) {
      result.setSignatureTolerance(checkedTolerance(asked.getSignatureTolerance()));
    } else if (stored.hasSignatureTolerance()) {
      result.setSignatureTolerance(stored.getSignatureTolerance());
    }
    if (methods.isEmpty() && allowlist.isEmpty()) {
      throw Identifiers.invalid(
          "postback_auth",
          "postback_auth would accept no postback: no method (token, signature) and no IP allowlist; keep a method,"
              + " or name an IP allowlist for IP-only");
    }
    return result.build();
  }

  /** TOKEN and SIGNATURE only, each once. */
  public static List<PostbackAuthMethod> checkedMethods(List<PostbackAuthMethod> methods) {
    LinkedHashSet<PostbackAuthMethod> unique = new LinkedHashSet<>();
    for (PostbackAuthMethod method : methods) {
      if (method != PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN
          && method != PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE) {
        throw Identifiers.invalid("postback_auth.methods", "methods may hold TOKEN and SIGNATURE only");
      }
      unique.add(method);
    }
    return new ArrayList<>(unique);
  }

  private static List<String> checkedAllowlist(List<String> allowlist) {
    if (allowlist.size() > MAX_ALLOWLIST) {
      throw Identifiers.invalid("postback_auth.ip_allowlist", "at most " + MAX_ALLOWLIST + " allowlist entries");
    }
    IpAllowlist.parse(allowlist);
    return allowlist;
  }

  private static com.google.protobuf.Duration checkedTolerance(com.google.protobuf.Duration tolerance) {
    long s = tolerance.getSeconds();
    if (s < 1 || s > MAX_SIGNATURE_TOLERANCE.getSeconds()) {
      throw Identifiers.invalid(
          "postback_auth.signature_tolerance", "signature_tolerance must lie between 1 s and 1 hour");
    }
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }
}
