package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import io.grpc.Status;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Partners over real gRPC on a real redis-server: their lifecycle, their accounts, and S2S on/off. */
class PartnerServiceTest {
  private static LocalRedis redis;
  private static RunningServer running;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.config(redis.url()), java.time.Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    running.close();
    redis.close();
  }

  @Test
  void aPartnerIsCreatedOnceReadListedAndUpdated() {
    Partner created = running.partners().createPartner(
        CreatePartnerRequest.newBuilder().setDisplayName("Agency One").build()).getPartner();
    assertThat(created.getPartnerId()).as("derived from the name").isEqualTo("agency-one");
    assertThat(created.getS2SActive()).isTrue();
    assertThatThrownBy(() -> running.partners().createPartner(
            CreatePartnerRequest.newBuilder().setPartnerId("agency-one").setDisplayName("Again").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_ALREADY_EXISTS))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    assertThat(running.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId("agency-one").build())
        .getPartner().getDisplayName()).isEqualTo("Agency One");
    assertThat(running.partners().listPartners(ListPartnersRequest.getDefaultInstance()).getPartnersList())
        .extracting(Partner::getPartnerId).contains("default", "agency-one");

    Partner renamed = running.partners().updatePartner(UpdatePartnerRequest.newBuilder()
        .setPartnerId("agency-one").setDisplayName("Agency 1").build()).getPartner();
    assertThat(renamed.getDisplayName()).isEqualTo("Agency 1");
    assertThat(renamed.getS2SActive()).as("an update keeps what it does not name").isTrue();
    assertThatThrownBy(() -> running.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId("nobody").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThatThrownBy(() -> running.partners().updatePartner(
            UpdatePartnerRequest.newBuilder().setPartnerId("nobody").setS2SActive(false).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
  }

  @Test
  void accountsBelongToTheirPartnerAndStartFromItsDefaults() {
    Partner partner = running.partners().createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId("pt-defaults-" + System.nanoTime()).setDisplayName("Defaults")
        .setDefaults(PartnerDefaults.newBuilder()
            .setAttributionWindow(Duration.newBuilder().setSeconds(7 * 86_400))
            .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK)
            .addPostbackAuthMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
            .setTimeZone("Europe/Berlin").setCurrencyCode("EUR"))
        .build()).getPartner();
    CreateAccountResponse account = running.newAccount(partner.getPartnerId());
    assertThat(account.getAccount().getPartnerId()).isEqualTo(partner.getPartnerId());
    assertThat(account.getAccount().getPostbackAuth().getMethodsList())
        .containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE);
    Goal goal = running.admin().getGoal(GetGoalRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId()).setGoalKey("default").build()).getGoal();
    assertThat(goal.getAttributionWindow().getSeconds()).isEqualTo(7 * 86_400);
    assertThat(goal.getCountingMode()).isEqualTo(CountingMode.COUNTING_MODE_EVERY_POSTBACK);

    assertThat(running.newAccount().getAccount().getPartnerId()).as("no partner named").isEqualTo("default");
    assertThatThrownBy(() -> running.admin().createAccount(
            CreateAccountRequest.newBuilder().setPartnerId("no-such-partner").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThatThrownBy(() -> running.partners().createPartner(CreatePartnerRequest.newBuilder()
            .setPartnerId("bad-zone").setDefaults(PartnerDefaults.newBuilder().setTimeZone("Mars/Olympus")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }

  @Test
  void switchingAPartnerOffRefusesClicksAndPostbacksButKeepsReadsAndOnResumes() {
    Partner partner = running.newPartner();
    CreateAccountResponse account = running.newAccount(partner.getPartnerId());
    String accountId = account.getAccount().getAccountId();
    String kcid = running.issueClick(accountId, "web");

    s2s(partner, false);
    assertThatThrownBy(() -> running.issueClick(accountId, "web"))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> running.conversions().recordConversion(postback(kcid, account)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE));
    // Reads go on.
    assertThat(running.admin().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build())
        .getAccount().getAccountId()).isEqualTo(accountId);
    running.diagnostics().listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(accountId).build());

    s2s(partner, true);
    assertThat(running.conversions().recordConversion(postback(kcid, account)).getConversion().getKcid())
        .isEqualTo(kcid);
    assertThat(running.issueClick(accountId, "web")).isNotEmpty();
  }

  private static void s2s(Partner partner, boolean on) {
    Partner updated = running.partners().updatePartner(
        UpdatePartnerRequest.newBuilder().setPartnerId(partner.getPartnerId()).setS2SActive(on).build()).getPartner();
    assertThat(updated.getS2SActive()).isEqualTo(on);
  }

  private static RecordConversionRequest postback(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())
            .setClientIp("203.0.113.9"))
        .build();
  }
}
