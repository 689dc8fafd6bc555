package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.metadataOf;
import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DeletePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetGoalRequest;
import io.kcid.proto.tracking.v1.GetPartnerRequest;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListPartnersRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesRequest;
import io.kcid.proto.tracking.v1.UpdatePartnerRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Partners over real gRPC on a real redis-server: their lifecycle (deletion with cascade included),
 * their accounts (listing, moving, time zone and currency), and S2S on/off.
 */
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
    assertThat(account.getAccount().getTimeZone()).isEqualTo("Europe/Berlin");
    assertThat(account.getAccount().getCurrencyCode()).isEqualTo("EUR");
    assertThat(account.getAccount().getPostbackAuth().getMethodsList())
        .containsExactly(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE);
    Goal goal = running.admin().getGoal(GetGoalRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId()).setGoalKey("default").build()).getGoal();
    assertThat(goal.getAttributionWindow().getSeconds()).isEqualTo(7 * 86_400);
    assertThat(goal.getCountingMode()).isEqualTo(CountingMode.COUNTING_MODE_EVERY_POSTBACK);

    Account plain = running.newAccount().getAccount();
    assertThat(plain.getPartnerId()).as("no partner named").isEqualTo("default");
    assertThat(plain.getTimeZone()).as("neither partner nor request names one").isEqualTo("UTC");
    assertThat(plain.getCurrencyCode()).isEmpty();
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

  @Test
  void anAccountsTimeZoneAndCurrencyOverrideThePartnersAndAreUsedByStatsAndPostbacks() {
    Partner partner = running.partners().createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId("pt-regional-" + System.nanoTime())
        .setDefaults(PartnerDefaults.newBuilder().setTimeZone("Europe/Berlin").setCurrencyCode("EUR")).build())
        .getPartner();
    CreateAccountResponse account = running.admin().createAccount(CreateAccountRequest.newBuilder()
        .setPartnerId(partner.getPartnerId()).setTimeZone("Asia/Tokyo").setCurrencyCode("JPY").build());
    String accountId = account.getAccount().getAccountId();
    assertThat(account.getAccount().getTimeZone()).isEqualTo("Asia/Tokyo");
    assertThat(account.getAccount().getCurrencyCode()).isEqualTo("JPY");

    // A value without a currency is in the account's currency (JPY: no decimals).
    String kcid = running.issueClick(accountId, "web");
    var recorded = running.conversions().recordConversion(postback(kcid, account).toBuilder()
        .setValue(Money.newBuilder().setAmount("1500")).build()).getConversion();
    assertThat(recorded.getValue().getCurrencyCode()).isEqualTo("JPY");
    // GetStats without a time zone reports in the account's.
    var reports = ReportServiceGrpc.newBlockingStub(running.channel());
    var now = java.time.Instant.now();
    GetStatsRequest stats = GetStatsRequest.newBuilder().setAccountId(accountId)
        .setStartTime(Timestamp.newBuilder().setSeconds(now.minusSeconds(86_400).getEpochSecond()))
        .setEndTime(Timestamp.newBuilder().setSeconds(now.plusSeconds(3_600).getEpochSecond())).build();
    assertThat(reports.getStats(stats).getTimeZone()).isEqualTo("Asia/Tokyo");
    assertThat(reports.getStats(stats.toBuilder().setTimeZone("Europe/Berlin").build()).getTimeZone())
        .as("a requested zone still wins").isEqualTo("Europe/Berlin");

    Account changed = running.admin().updateAccount(UpdateAccountRequest.newBuilder().setAccountId(accountId)
        .setTimeZone("America/New_York").setCurrencyCode("USD").build()).getAccount();
    assertThat(changed.getTimeZone()).isEqualTo("America/New_York");
    assertThat(changed.getCurrencyCode()).isEqualTo("USD");
    assertThat(changed.getPartnerId()).as("an update keeps what it does not name").isEqualTo(partner.getPartnerId());
    assertThat(reports.getStats(stats).getTimeZone()).isEqualTo("America/New_York");
    String second = running.issueClick(accountId, "web");
    assertThat(running.conversions().recordConversion(postback(second, account).toBuilder()
            .setValue(Money.newBuilder().setAmount("12.50")).build()).getConversion().getValue().getCurrencyCode())
        .isEqualTo("USD");

    assertInvalidField(() -> running.admin().createAccount(CreateAccountRequest.newBuilder()
        .setTimeZone("Mars/Olympus").build()), "time_zone");
    assertInvalidField(() -> running.admin().createAccount(CreateAccountRequest.newBuilder()
        .setCurrencyCode("eur").build()), "currency_code");
    assertInvalidField(() -> running.admin().updateAccount(UpdateAccountRequest.newBuilder().setAccountId(accountId)
        .setCurrencyCode("XXX").build()), "currency_code");
    assertInvalidField(() -> running.admin().updateAccount(UpdateAccountRequest.newBuilder().setAccountId(accountId)
        .setTimeZone("").build()), "time_zone");
  }

  @Test
  void aMovedAccountKeepsItsDataAndFollowsItsNewPartnersSwitch() {
    Partner off = running.newPartner();
    s2s(off, false);
    Partner on = running.newPartner();
    CreateAccountResponse account = running.newAccount(on.getPartnerId());
    String accountId = account.getAccount().getAccountId();
    String kcid = running.issueClick(accountId, "web");

    move(accountId, off);
    assertThatThrownBy(() -> running.issueClick(accountId, "web"))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE));
    assertThatThrownBy(() -> running.conversions().recordConversion(postback(kcid, account)))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE));

    move(accountId, on);
    // The click issued before the moves, the secrets and the goals are all still the account's.
    var conversion = running.conversions().recordConversion(postback(kcid, account)).getConversion();
    assertThat(conversion.getAccountId()).isEqualTo(accountId);
    assertThat(running.issueClick(accountId, "web")).as("a click is minted under the active partner").isNotEmpty();

    move(accountId, off);
    // Status changes are postbacks too; reads go on.
    assertThatThrownBy(() -> running.conversions().updateConversionStatus(UpdateConversionStatusRequest.newBuilder()
            .setConversionId(conversion.getConversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)
            .setReason("chargeback").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE));
    var batch = running.conversions().updateConversionStatuses(UpdateConversionStatusesRequest.newBuilder()
        .addItems(UpdateConversionStatusRequest.newBuilder().setConversionId(conversion.getConversionId())
            .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("chargeback"))
        .build());
    assertThat(batch.getResults(0).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_INACTIVE);
    assertThat(running.conversions().getConversion(GetConversionRequest.newBuilder()
        .setConversionId(conversion.getConversionId()).build()).getConversion().getStatus())
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThatThrownBy(() -> running.admin().updateAccount(UpdateAccountRequest.newBuilder()
            .setAccountId(accountId).setPartnerId("no-such-partner").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThat(running.admin().getAccount(GetAccountRequest.newBuilder().setAccountId(accountId).build())
        .getAccount().getPartnerId()).as("a refused move changes nothing").isEqualTo(off.getPartnerId());
  }

  @Test
  void accountsAreListedByPartnerPageByPage() {
    Partner partner = running.newPartner();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(running.newAccount(partner.getPartnerId()).getAccount().getAccountId());
      running.newAccount();
    }
    List<String> listed = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListAccountsResponse page = running.admin().listAccounts(ListAccountsRequest.newBuilder()
          .setPartnerId(partner.getPartnerId()).setPageSize(2).setPageToken(token).build());
      assertThat(page.getAccountsList()).extracting(Account::getPartnerId).containsOnly(partner.getPartnerId());
      page.getAccountsList().forEach(a -> listed.add(a.getAccountId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(listed).containsExactlyElementsOf(ids.stream().sorted().toList());
    assertThat(pages).isEqualTo(3);
    assertThatThrownBy(() -> running.admin().listAccounts(ListAccountsRequest.newBuilder().setPartnerId("no-such-partner").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
  }

  @Test
  void aPartnerWithAccountsIsDeletedOnlyWithCascadeWhichDeletesItsAccounts() {
    Partner partner = running.newPartner();
    CreateAccountResponse first = running.newAccount(partner.getPartnerId());
    CreateAccountResponse second = running.newAccount(partner.getPartnerId());
    String kcid = running.issueClick(first.getAccount().getAccountId(), "web");
    String partnerId = partner.getPartnerId();

    assertThatThrownBy(() -> running.partners().deletePartner(DeletePartnerRequest.newBuilder().setPartnerId(partnerId).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_HAS_ACCOUNTS))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .satisfies(e -> assertThat(metadataOf(e)).containsEntry("partnerId", partnerId).containsEntry("accounts", "2"));
    assertThat(running.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId(partnerId).build())
        .getPartner().getPartnerId()).as("a refused delete changes nothing").isEqualTo(partnerId);

    var deleted = running.partners().deletePartner(
        DeletePartnerRequest.newBuilder().setPartnerId(partnerId).setCascade(true).build());
    assertThat(deleted.getDeletedAccountIdsList())
        .containsExactlyInAnyOrder(first.getAccount().getAccountId(), second.getAccount().getAccountId());
    assertThatThrownBy(() -> running.partners().getPartner(GetPartnerRequest.newBuilder().setPartnerId(partnerId).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
    assertThat(running.partners().listPartners(ListPartnersRequest.getDefaultInstance()).getPartnersList())
        .extracting(Partner::getPartnerId).doesNotContain(partnerId);
    assertThatThrownBy(() -> running.admin().getAccount(
            GetAccountRequest.newBuilder().setAccountId(first.getAccount().getAccountId()).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
    assertThatThrownBy(() -> running.issueClick(first.getAccount().getAccountId(), "web"))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
    assertThatThrownBy(() -> running.conversions().recordConversion(postback(kcid, first)))
        .as("the deleted account's token authenticates nothing")
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID));
    assertThat(running.admin().listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).build()).getAccountsList())
        .extracting(Account::getAccountId)
        .doesNotContain(first.getAccount().getAccountId(), second.getAccount().getAccountId());
    assertThatThrownBy(() -> running.partners().deletePartner(
            DeletePartnerRequest.newBuilder().setPartnerId(partnerId).setCascade(true).build()))
        .as("deleted already")
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));

    Partner empty = running.newPartner();
    assertThat(running.partners().deletePartner(DeletePartnerRequest.newBuilder().setPartnerId(empty.getPartnerId()).build())
        .getDeletedAccountIdsList()).as("no accounts: no cascade needed").isEmpty();
    assertThatThrownBy(() -> running.partners().deletePartner(
            DeletePartnerRequest.newBuilder().setPartnerId("default").setCascade(true).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }

  /**
   * A cascade cut off midway (here: one of its accounts already deleted, the other not, the partner
   * still there, as a crash between the steps leaves it) is finished by calling it again.
   */
  @Test
  void anInterruptedCascadeIsFinishedByCallingItAgain() {
    Partner partner = running.newPartner();
    String gone = running.newAccount(partner.getPartnerId()).getAccount().getAccountId();
    String left = running.newAccount(partner.getPartnerId()).getAccount().getAccountId();
    try (var direct = io.kcid.server.store.redis.RedisConnector.connect(redis.url(), java.time.Duration.ofSeconds(2), 100)) {
      var store = new io.kcid.server.store.redis.RedisAccountStore(direct.commands());
      assertThat(store.delete(gone).toCompletableFuture().join()).isTrue();
    }
    var finished = running.partners().deletePartner(
        DeletePartnerRequest.newBuilder().setPartnerId(partner.getPartnerId()).setCascade(true).build());
    assertThat(finished.getDeletedAccountIdsList()).containsExactly(left);
    assertThatThrownBy(() -> running.partners().getPartner(
            GetPartnerRequest.newBuilder().setPartnerId(partner.getPartnerId()).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND));
  }

  private static void move(String accountId, Partner to) {
    Account moved = running.admin().updateAccount(UpdateAccountRequest.newBuilder()
        .setAccountId(accountId).setPartnerId(to.getPartnerId()).build()).getAccount();
    assertThat(moved.getPartnerId()).isEqualTo(to.getPartnerId());
  }

  private static void assertInvalidField(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String field) {
    assertThatThrownBy(call)
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(metadataOf(e)).containsEntry("field", field));
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
