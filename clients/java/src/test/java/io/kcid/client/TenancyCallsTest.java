package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerResponse;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.GetCallerResponse;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The requests the partner, account-list, scoped-key, caller and partner-stats calls build, and
 * their page-following, against recording services on a real local port.
 */
class TenancyCallsTest {
  private static final List<Message> requests = new CopyOnWriteArrayList<>();
  private static Server server;
  private static KcidClient kcid;

  static <T> void answer(Message request, StreamObserver<T> out, T response) {
    requests.add(request);
    out.onNext(response);
    out.onCompleted();
  }

  static final class RecordingPartners extends PartnerServiceGrpc.PartnerServiceImplBase {
    @Override
    public void listPartners(ListPartnersRequest request, StreamObserver<ListPartnersResponse> out) {
      boolean first = request.getPageToken().isEmpty();
      answer(request, out, ListPartnersResponse.newBuilder()
          .addPartners(Partner.newBuilder().setPartnerId(first ? "agency-one" : "agency-two"))
          .setNextPageToken(first ? "a" : "").build());
    }

    @Override
    public void updatePartner(UpdatePartnerRequest request, StreamObserver<UpdatePartnerResponse> out) {
      answer(request, out, UpdatePartnerResponse.newBuilder()
          .setPartner(Partner.newBuilder().setPartnerId(request.getPartnerId()).setS2SActive(request.getS2SActive()))
          .build());
    }

    @Override
    public void deletePartner(DeletePartnerRequest request, StreamObserver<DeletePartnerResponse> out) {
      answer(request, out, DeletePartnerResponse.newBuilder().addDeletedAccountIds("shoes").addDeletedAccountIds("socks").build());
    }
  }

  static final class RecordingAdmin extends AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsResponse> out) {
      boolean first = request.getPageToken().isEmpty();
      answer(request, out, ListAccountsResponse.newBuilder()
          .addAccounts(Account.newBuilder().setAccountId(first ? "shoes" : "socks"))
          .setNextPageToken(first ? "s" : "").build());
    }

    @Override
    public void createApiKey(CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> out) {
      answer(request, out, CreateApiKeyResponse.newBuilder().setSecret("s3cret").build());
    }

    @Override
    public void getCaller(GetCallerRequest request, StreamObserver<GetCallerResponse> out) {
      answer(request, out, GetCallerResponse.newBuilder()
          .setApiKey(ApiKey.newBuilder().setName("agency-admin").setPartnerId("agency-one")).build());
    }
  }

  static final class RecordingReports extends ReportServiceGrpc.ReportServiceImplBase {
    @Override
    public void getStats(GetStatsRequest request, StreamObserver<GetStatsResponse> out) {
      answer(request, out, GetStatsResponse.getDefaultInstance());
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(new RecordingPartners()).addService(new RecordingAdmin()).addService(new RecordingReports())
        .build().start();
    kcid = KcidClient.connect("127.0.0.1:" + server.getPort());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    kcid.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    requests.clear();
  }

  private static Message last() {
    return requests.get(requests.size() - 1);
  }

  @Test
  void listAllPartnersFollowsPageTokensAndFetchesOnlyWhatIsConsumed() {
    assertThat(kcid.partners().listAllPartners(1).map(Partner::getPartnerId)).containsExactly("agency-one", "agency-two");
    assertThat(requests).containsExactly(
        ListPartnersRequest.newBuilder().setPageSize(1).build(),
        ListPartnersRequest.newBuilder().setPageSize(1).setPageToken("a").build());
    requests.clear();
    assertThat(kcid.partners().listAllPartners(0).findFirst()).map(Partner::getPartnerId).contains("agency-one");
    assertThat(requests).hasSize(1);
  }

  @Test
  void listAllAccountsAsksForThePartnersAccountsOnEveryPage() {
    assertThat(kcid.admin().listAllAccounts("agency-one", 0).map(Account::getAccountId)).containsExactly("shoes", "socks");
    assertThat(requests).extracting(r -> ((ListAccountsRequest) r).getPartnerId()).containsOnly("agency-one");
    assertThat(last()).isEqualTo(ListAccountsRequest.newBuilder().setPartnerId("agency-one").setPageToken("s").build());
  }

  @Test
  void setS2sActiveSendsTheSwitchEvenWhenOff() {
    assertThat(kcid.partners().setS2sActive("agency-one", false).getS2SActive()).isFalse();
    UpdatePartnerRequest sent = (UpdatePartnerRequest) last();
    assertThat(sent.hasS2SActive()).isTrue();
    assertThat(sent.getS2SActive()).isFalse();
    assertThat(sent.hasDisplayName()).isFalse();
  }

  @Test
  void deletePartnerWithCascadeReturnsTheDeletedAccounts() {
    assertThat(kcid.partners().deletePartner("agency-one", true)).containsExactly("shoes", "socks");
    assertThat(last()).isEqualTo(DeletePartnerRequest.newBuilder().setPartnerId("agency-one").setCascade(true).build());
  }

  @Test
  void scopedApiKeysNameTheirScope() {
    assertThat(kcid.admin().createPartnerApiKey("agency", "agency-one", ApiKeyRole.API_KEY_ROLE_ADMIN).getSecret())
        .isEqualTo("s3cret");
    assertThat(last()).isEqualTo(CreateApiKeyRequest.newBuilder().setName("agency").setPartnerId("agency-one")
        .addRoles(ApiKeyRole.API_KEY_ROLE_ADMIN).build());
    kcid.admin().createAccountApiKey("shop", "shoes", ApiKeyRole.API_KEY_ROLE_ISSUE, ApiKeyRole.API_KEY_ROLE_READ);
    assertThat(last()).isEqualTo(CreateApiKeyRequest.newBuilder().setName("shop").setAccountId("shoes")
        .addRoles(ApiKeyRole.API_KEY_ROLE_ISSUE).addRoles(ApiKeyRole.API_KEY_ROLE_READ).build());
  }

  @Test
  void callerIsTheCallingKey() {
    ApiKey me = kcid.admin().caller();
    assertThat(me.getName()).isEqualTo("agency-admin");
    assertThat(me.getPartnerId()).isEqualTo("agency-one");
    assertThat(last()).isEqualTo(GetCallerRequest.getDefaultInstance());
  }

  @Test
  void partnerStatsGroupByAccountUnlessToldOtherwise() {
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    kcid.reports().getPartnerStats("agency-one", start, null);
    GetStatsRequest sent = (GetStatsRequest) last();
    assertThat(sent.getPartnerId()).isEqualTo("agency-one");
    assertThat(sent.getAccountId()).isEmpty();
    assertThat(sent.getStartTime().getSeconds()).isEqualTo(start.getEpochSecond());
    assertThat(sent.hasEndTime()).isFalse();
    assertThat(sent.getGroupByList()).containsExactly(StatsDimension.STATS_DIMENSION_ACCOUNT);

    kcid.reports().getPartnerStats("agency-one", start, start.plusSeconds(86_400), StatsDimension.STATS_DIMENSION_DAY);
    sent = (GetStatsRequest) last();
    assertThat(sent.getGroupByList()).containsExactly(StatsDimension.STATS_DIMENSION_DAY);
    assertThat(sent.getEndTime().getSeconds()).isEqualTo(start.getEpochSecond() + 86_400);
  }
}
