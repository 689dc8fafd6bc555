package io.kcid.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MethodRolesTest {
  private static Optional<ApiKeyRole> role(String method) {
    return MethodRoles.roleFor(method);
  }

  @Test
  void theTableNamesTheRoleOfEveryMethod() {
    assertThat(role("kcid.tracking.v1.ClickService/IssueClick")).contains(ApiKeyRole.API_KEY_ROLE_ISSUE);
    assertThat(role("kcid.tracking.v1.ClickService/GetClick")).contains(ApiKeyRole.API_KEY_ROLE_READ);
    // Any valid key: it decodes the kcid it is given and reads nothing stored.
    assertThat(role("kcid.tracking.v1.ClickService/InspectKcid")).contains(ApiKeyRole.API_KEY_ROLE_UNSPECIFIED);
    assertThat(role("kcid.tracking.v1.AdminService/GetCaller")).contains(ApiKeyRole.API_KEY_ROLE_UNSPECIFIED);
    assertThat(role("kcid.tracking.v1.ClickService/DeleteClick")).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
    // Click secrets: the edge's issue role, never a read-only key.
    assertThat(role("kcid.tracking.v1.ClickService/ListClickVerifiers")).contains(ApiKeyRole.API_KEY_ROLE_ISSUE);
    assertThat(role("kcid.tracking.v1.ClickService/WatchClickVerifiers")).contains(ApiKeyRole.API_KEY_ROLE_ISSUE);
    for (String write : List.of("RecordConversion", "RecordConversions", "UpdateConversionStatus", "UpdateConversionStatuses")) {
      assertThat(role("kcid.tracking.v1.ConversionService/" + write)).contains(ApiKeyRole.API_KEY_ROLE_INGEST);
    }
    assertThat(role("kcid.tracking.v1.ConversionService/GetConversion")).contains(ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(role("kcid.tracking.v1.ConversionService/ListConversions")).contains(ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(role("kcid.tracking.v1.ConversionService/StreamConversions")).contains(ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(role("kcid.tracking.v1.ReportService/GetStats")).contains(ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(role("kcid.tracking.v1.AdminService/GetAccount")).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
    assertThat(role("kcid.tracking.v1.AdminService/CreateApiKey")).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
  }

  @Test
  void partnerWritesNeedAdminAndItsReadsRead() {
    assertThat(role(PartnerServiceGrpc.getCreatePartnerMethod().getFullMethodName())).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
    assertThat(role(PartnerServiceGrpc.getUpdatePartnerMethod().getFullMethodName())).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
    assertThat(role(PartnerServiceGrpc.getGetPartnerMethod().getFullMethodName())).contains(ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(role(PartnerServiceGrpc.getListPartnersMethod().getFullMethodName())).contains(ApiKeyRole.API_KEY_ROLE_READ);
  }

  @Test
  void healthAndReflectionAreOpen() {
    assertThat(role("grpc.health.v1.Health/Check")).isEmpty();
    assertThat(role("grpc.health.v1.Health/Watch")).isEmpty();
    assertThat(role("grpc.reflection.v1.ServerReflection/ServerReflectionInfo")).isEmpty();
    assertThat(role("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")).isEmpty();
  }

  @Test
  void anUnclassifiedWriteNeedsAdmin() {
    assertThat(role("kcid.tracking.v1.ConversionService/PurgeEverything")).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
    assertThat(role("kcid.tracking.v1.NewService/DoSomething")).contains(ApiKeyRole.API_KEY_ROLE_ADMIN);
  }

  @Test
  void everyMethodOfEveryServiceIsClassifiedInTheTable() {
    for (ServiceDescriptor service : List.of(
        ClickServiceGrpc.getServiceDescriptor(), ConversionServiceGrpc.getServiceDescriptor(), AdminServiceGrpc.getServiceDescriptor(),
        PartnerServiceGrpc.getServiceDescriptor(), DiagnosticsServiceGrpc.getServiceDescriptor(), ReportServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        assertThat(MethodRoles.classified(method.getFullMethodName())).as(method.getFullMethodName()).isTrue();
        MethodRoles.Rule rule = MethodRoles.ruleFor(method.getFullMethodName()).orElseThrow();
        if (rule.tenant() == MethodRoles.Tenant.LISTED) {
          // A list open to scoped keys must have its answers cut down to the scope.
          Object answer = ((MethodDescriptor.PrototypeMarshaller<?>) method.getResponseMarshaller()).getMessagePrototype();
          assertThat(ScopeInterceptor.filters(answer.getClass())).as(method.getFullMethodName()).isTrue();
        }
      }
    }
  }

  @Test
  void anUnclassifiedMethodIsForAdminPlatformKeys() {
    assertThat(MethodRoles.ruleFor("kcid.tracking.v1.NewService/DoSomething"))
        .contains(new MethodRoles.Rule(ApiKeyRole.API_KEY_ROLE_ADMIN, MethodRoles.Tenant.PLATFORM));
  }
}
