package io.kcid.server.auth;

import io.grpc.MethodDescriptor;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one table of which role each gRPC method needs. Writes are listed by name; read-only methods
 * follow their name ({@code Get*}, {@code List*}, {@code Inspect*}, {@code Stream*}); AdminService and
 * the PartnerService writes are admin (GetPartner, ListPartners: read); health and reflection are
 * open. Anything else needs admin, so a new write method is closed until it is classified here.
 */
public final class MethodRoles {
  private static final Set<String> OPEN_SERVICES =
      Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  private static final Map<String, ApiKeyRole> WRITES =
      Map.of(
          ClickServiceGrpc.getIssueClickMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_ISSUE,
          ClickServiceGrpc.getDeleteClickMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_ADMIN,
          // Click secrets, for edges that keep redirecting during an outage: what click issuers
          // (who sign click URLs) hold anyway; never what a read-only reporting key gets.
          ClickServiceGrpc.getListClickVerifiersMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_ISSUE,
          ClickServiceGrpc.getWatchClickVerifiersMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_ISSUE,
          ConversionServiceGrpc.getRecordConversionMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_INGEST,
          ConversionServiceGrpc.getRecordConversionsMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_INGEST,
          ConversionServiceGrpc.getUpdateConversionStatusMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_INGEST,
          ConversionServiceGrpc.getUpdateConversionStatusesMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_INGEST,
          // A stream consumer acknowledges with the key it reads with.
          ConversionServiceGrpc.getAckConversionEventsMethod().getFullMethodName(), ApiKeyRole.API_KEY_ROLE_READ,
          io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc.getExplainClickMethod().getFullMethodName(),
          ApiKeyRole.API_KEY_ROLE_READ);

  /**
   * Methods any valid key may call, whatever its roles: InspectKcid decodes the kcid it is given and
   * checks its MAC with the server's keys, reading nothing stored. Edges (keys with issue and ingest)
   * call it at start to prove they share the server's kcid keys.
   */
  private static final Set<String> ANY_ROLE = Set.of(ClickServiceGrpc.getInspectKcidMethod().getFullMethodName());

  private static final java.util.List<String> READ_PREFIXES = java.util.List.of("Get", "List", "Inspect", "Stream");

  private MethodRoles() {}

  /** Whether any valid key may call {@code fullMethodName}, whichever roles it holds. */
  public static boolean anyRole(String fullMethodName) {
    return ANY_ROLE.contains(fullMethodName);
  }

  /** The role {@code fullMethodName} needs, or empty for an open method ({@link #anyRole}: any key's role will do). */
  public static Optional<ApiKeyRole> roleFor(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    if (service == null || OPEN_SERVICES.contains(service)) {
      return service == null ? Optional.of(ApiKeyRole.API_KEY_ROLE_ADMIN) : Optional.empty();
    }
    ApiKeyRole listed = WRITES.get(fullMethodName);
    if (listed != null) {
      return Optional.of(listed);
    }
    if (service.equals(AdminServiceGrpc.SERVICE_NAME)
        || fullMethodName.equals(PartnerServiceGrpc.getCreatePartnerMethod().getFullMethodName())
        || fullMethodName.equals(PartnerServiceGrpc.getUpdatePartnerMethod().getFullMethodName())) {
      return Optional.of(ApiKeyRole.API_KEY_ROLE_ADMIN);
    }
    String method = fullMethodName.substring(service.length() + 1);
    for (String prefix : READ_PREFIXES) {
      if (method.startsWith(prefix)) {
        return Optional.of(ApiKeyRole.API_KEY_ROLE_READ);
      }
    }
    return Optional.of(ApiKeyRole.API_KEY_ROLE_ADMIN);
  }
}
