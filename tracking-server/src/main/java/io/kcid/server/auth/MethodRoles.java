package io.kcid.server.auth;

import static io.kcid.proto.tracking.v1.ApiKeyRole.API_KEY_ROLE_ADMIN;
import static io.kcid.proto.tracking.v1.ApiKeyRole.API_KEY_ROLE_INGEST;
import static io.kcid.proto.tracking.v1.ApiKeyRole.API_KEY_ROLE_ISSUE;
import static io.kcid.proto.tracking.v1.ApiKeyRole.API_KEY_ROLE_READ;
import static io.kcid.proto.tracking.v1.ApiKeyRole.API_KEY_ROLE_UNSPECIFIED;

import io.grpc.MethodDescriptor;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one table of what every gRPC method needs: the role a key must hold, and where the tenant
 * the call touches is found, so that a key scoped to a partner or an account is held to it
 * ({@link ScopeInterceptor} enforces the second column). Health and reflection are open; a method
 * missing from the table needs an admin platform key, so a new method is closed until it is
 * classified here.
 */
public final class MethodRoles {
  /** Where the tenant of a call is found. Platform keys pass every check but {@code role}. */
  public enum Tenant {
    /** Touches nothing a tenant owns: any scope (InspectKcid decodes, GetCaller names the key). */
    NONE,
    /** Deployment-wide (API keys, the partners' lifecycle): platform keys only. */
    PLATFORM,
    /** The request's {@code account_id}: a scoped key must name an account in its scope. */
    ACCOUNT,
    /** The request's {@code partner_id}: a scoped key must name its own partner. */
    PARTNER,
    /** The request's {@code account_id} or {@code partner_id} (a partner roll-up). */
    ACCOUNT_OR_PARTNER,
    /**
     * The click the request's {@code kcid} or {@code conversion_id} names: its account must be in
     * scope (and so must the request's {@code account_id} when given).
     */
    CLICK,
    /** Each item of a batch, as {@link #CLICK}: one item outside the scope refuses the call. */
    ITEMS,
    /** Each item of a batch, as {@link #ACCOUNT}: one item outside the scope refuses the call. */
    ACCOUNT_ITEMS,
    /** Deployment-wide reads whose answers are cut down to what the scope covers. */
    LISTED
  }

  /** What one method needs. A role of {@code API_KEY_ROLE_UNSPECIFIED} means any valid key. */
  public record Rule(ApiKeyRole role, Tenant tenant) {}

  private static final Set<String> OPEN_SERVICES =
      Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

  private static final Rule CLOSED = new Rule(API_KEY_ROLE_ADMIN, Tenant.PLATFORM);

  private static final Map<String, Rule> RULES =
      Map.ofEntries(
          rule(ClickServiceGrpc.getIssueClickMethod(), API_KEY_ROLE_ISSUE, Tenant.ACCOUNT),
          rule(ClickServiceGrpc.getIssueClicksMethod(), API_KEY_ROLE_ISSUE, Tenant.ACCOUNT_ITEMS),
          rule(ClickServiceGrpc.getGetClickMethod(), API_KEY_ROLE_READ, Tenant.CLICK),
          rule(ClickServiceGrpc.getInspectKcidMethod(), API_KEY_ROLE_UNSPECIFIED, Tenant.NONE),
          rule(ClickServiceGrpc.getDeleteClickMethod(), API_KEY_ROLE_ADMIN, Tenant.CLICK),
          // Click secrets, for edges that keep redirecting during an outage: what click issuers
          // (who sign click URLs) hold anyway, each only its own; never a read-only key.
          rule(ClickServiceGrpc.getListClickVerifiersMethod(), API_KEY_ROLE_ISSUE, Tenant.LISTED),
          rule(ClickServiceGrpc.getWatchClickVerifiersMethod(), API_KEY_ROLE_ISSUE, Tenant.LISTED),
          rule(ConversionServiceGrpc.getRecordConversionMethod(), API_KEY_ROLE_INGEST, Tenant.CLICK),
          rule(ConversionServiceGrpc.getRecordConversionsMethod(), API_KEY_ROLE_INGEST, Tenant.ITEMS),
          rule(ConversionServiceGrpc.getUpdateConversionStatusMethod(), API_KEY_ROLE_INGEST, Tenant.CLICK),
          rule(ConversionServiceGrpc.getUpdateConversionStatusesMethod(), API_KEY_ROLE_INGEST, Tenant.ITEMS),
          rule(ConversionServiceGrpc.getGetConversionMethod(), API_KEY_ROLE_READ, Tenant.CLICK),
          rule(ConversionServiceGrpc.getListConversionsMethod(), API_KEY_ROLE_READ, Tenant.CLICK),
          // A scoped key streams (and acknowledges) one account at a time: the all-accounts stream
          // and its consumer groups are the platform's.
          rule(ConversionServiceGrpc.getStreamConversionsMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT),
          // A stream consumer acknowledges with the key it reads with.
          rule(ConversionServiceGrpc.getAckConversionEventsMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getCreateAccountMethod(), API_KEY_ROLE_ADMIN, Tenant.PARTNER),
          rule(AdminServiceGrpc.getGetAccountMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          // Moving an account to another partner (partner_id set) is for platform keys: checked
          // by ScopeInterceptor on top of the account.
          rule(AdminServiceGrpc.getUpdateAccountMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getRotateAccountSecretMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getListAccountsMethod(), API_KEY_ROLE_ADMIN, Tenant.LISTED),
          rule(AdminServiceGrpc.getCreateGoalMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getGetGoalMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getListGoalsMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getUpdateGoalMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getCreateApiKeyMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getListApiKeysMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getRevokeApiKeyMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getGetCallerMethod(), API_KEY_ROLE_UNSPECIFIED, Tenant.NONE),
          // The operator's IP lists apply to every account: the platform's.
          rule(AdminServiceGrpc.getLoadBotRangesMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getListBotRangesMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getClearBotRangesMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          // The exchange-rate table is the platform's: loaded and listed by its operators.
          rule(AdminServiceGrpc.getLoadExchangeRatesMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getListExchangeRatesMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(AdminServiceGrpc.getSetConversionCapMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getListConversionCapsMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(AdminServiceGrpc.getDeleteConversionCapMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(PartnerServiceGrpc.getCreatePartnerMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(PartnerServiceGrpc.getGetPartnerMethod(), API_KEY_ROLE_READ, Tenant.PARTNER),
          rule(PartnerServiceGrpc.getListPartnersMethod(), API_KEY_ROLE_READ, Tenant.LISTED),
          // Switching S2S on and off is the platform's decision, not the partner's.
          rule(PartnerServiceGrpc.getUpdatePartnerMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(PartnerServiceGrpc.getDeletePartnerMethod(), API_KEY_ROLE_ADMIN, Tenant.PLATFORM),
          rule(DiagnosticsServiceGrpc.getListPostbacksMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT),
          rule(DiagnosticsServiceGrpc.getExplainClickMethod(), API_KEY_ROLE_READ, Tenant.CLICK),
          rule(DiagnosticsServiceGrpc.getReplayPostbacksMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT),
          rule(ReportServiceGrpc.getGetStatsMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT_OR_PARTNER),
          // Destinations belong to an account or a partner: a partner key manages its own and its
          // accounts', an account key its account's. Reads need READ; changes, test sends, secret
          // rotation and redelivery ADMIN. The delivery log is per account.
          rule(DeliveryServiceGrpc.getCreateDestinationMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getGetDestinationMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getListDestinationsMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getUpdateDestinationMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getDeleteDestinationMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getTestDestinationMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getRotateDestinationSecretMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT_OR_PARTNER),
          rule(DeliveryServiceGrpc.getListDeliveriesMethod(), API_KEY_ROLE_READ, Tenant.ACCOUNT),
          rule(DeliveryServiceGrpc.getRedeliverMethod(), API_KEY_ROLE_ADMIN, Tenant.ACCOUNT));

  private MethodRoles() {}

  /** What {@code fullMethodName} needs, or empty for an open method (no key needed). */
  public static Optional<Rule> ruleFor(String fullMethodName) {
    String service = MethodDescriptor.extractFullServiceName(fullMethodName);
    if (service != null && OPEN_SERVICES.contains(service)) {
      return Optional.empty();
    }
    return Optional.of(RULES.getOrDefault(fullMethodName, CLOSED));
  }

  /** The role {@code fullMethodName} needs (UNSPECIFIED: any valid key), or empty for an open method. */
  public static Optional<ApiKeyRole> roleFor(String fullMethodName) {
    return ruleFor(fullMethodName).map(Rule::role);
  }

  /** Whether the table names {@code fullMethodName} (rather than closing it by default). */
  static boolean classified(String fullMethodName) {
    return RULES.containsKey(fullMethodName);
  }

  private static Map.Entry<String, Rule> rule(MethodDescriptor<?, ?> method, ApiKeyRole role, Tenant tenant) {
    return Map.entry(method.getFullMethodName(), new Rule(role, tenant));
  }
}
