package io.kcid.server.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.GrpcErrors;
import java.util.Map;
import java.util.Optional;

/**
 * Authenticates every gRPC call by its {@code authorization: Bearer <key>} header and checks the
 * role {@link MethodRoles} names for the method. No key or an unknown key is UNAUTHENTICATED
 * (API_KEY_INVALID); a key without the role is PERMISSION_DENIED (API_KEY_ROLE_MISSING). The
 * caller's key name is put in the call's {@link Context} under {@link #CALLER}, the whole caller under
 * {@link #CALLER_KEY}; {@link ScopeInterceptor}, next in line, holds scoped keys to their scope.
 */
public final class ApiKeyInterceptor implements ServerInterceptor {
  public static final Context.Key<String> CALLER = Context.key("kcid-api-key-name");
  /** The whole caller (roles and scope), for the scope check and GetCaller. */
  public static final Context.Key<ApiKeys.Caller> CALLER_KEY = Context.key("kcid-api-key-caller");
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";

  private final ApiKeys keys;
  private final AuthMode mode;

  public ApiKeyInterceptor(ApiKeys keys, AuthMode mode) {
    this.keys = keys;
    this.mode = mode;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<ApiKeyRole> needed = MethodRoles.roleFor(method);
    boolean anyRole = needed.isPresent() && needed.get() == ApiKeyRole.API_KEY_ROLE_UNSPECIFIED;
    if (needed.isEmpty()) {
      return next.startCall(call, headers);
    }
    String presented = bearer(headers.get(AUTHORIZATION));
    Optional<ApiKeys.Caller> known = presented == null ? Optional.empty() : keys.authenticate(presented);
    if (mode == AuthMode.OPEN && known.isEmpty()) {
      // No authentication: a call without a known key has every role on the whole platform. A
      // known key is still held to its roles and scope, so trying a partner's key on a laptop
      // shows exactly what it may do in production.
      return Contexts.interceptCall(
          Context.current().withValue(CALLER, ApiKeys.ANONYMOUS.name()).withValue(CALLER_KEY, ApiKeys.ANONYMOUS),
          call, headers, next);
    }
    if (presented == null) {
      return refuse(call, ErrorReason.ERROR_REASON_API_KEY_INVALID,
          "This method needs an API key: send the header 'authorization: Bearer <key>'.", Map.of());
    }
    if (known.isEmpty()) {
      return refuse(call, ErrorReason.ERROR_REASON_API_KEY_INVALID,
          "The API key is not known: it was revoked, mistyped or belongs to another deployment.", Map.of());
    }
    ApiKeys.Caller caller = known.get();
    if (!anyRole && !caller.roles().contains(needed.get())) {
      String role = ApiKeyRoles.name(needed.get());
      return refuse(call, ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING,
          "API key '" + caller.name() + "' lacks the role '" + role + "' that " + method + " needs.",
          Map.of("role", role));
    }
    return Contexts.interceptCall(
        Context.current().withValue(CALLER, caller.name()).withValue(CALLER_KEY, caller), call, headers, next);
  }

  /** The key of {@code Bearer <key>} (scheme case-insensitive), or null. */
  static String bearer(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String key = authorization.substring(BEARER.length()).trim();
    return key.isEmpty() ? null : key;
  }

  private static <Q, A> ServerCall.Listener<Q> refuse(
      ServerCall<Q, A> call, ErrorReason reason, String message, Map<String, String> metadata) {
    StatusRuntimeException refused = GrpcErrors.status(reason, message, metadata);
    call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
