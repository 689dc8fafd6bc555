package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.TestServers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The core of {@link TrackingServerTest} — issue, record, duplicate, read back, request-id
 * retries, racing postbacks, clicks of every partition, account listing — over real gRPC on every Redis topology
 * (the rules of {@link ConversionRulesTest} run on all three as well).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Topology.class)
class TrackingServerTopologiesTest {
  @Parameter Topology topology;

  private static TestRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    server = TrackingServer.start(TestServers.config(redis.url()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static CreateAccountResponse newAccount() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  private static String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("c").build())
        .getClick().getKcid();
  }

  private static RecordConversionRequest.Builder postback(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()));
  }

  @Test
  void issuesAClickRecordsItsConversionOnceAndReadsItBack() {
    var account = newAccount();
    String kcid = click(account.getAccount().getAccountId());
    assertThat(clicks.getClick(GetClickRequest.newBuilder().setKcid(kcid.toUpperCase()).build()).getClick().getAccountId())
        .isEqualTo(account.getAccount().getAccountId());
    RecordConversionResponse first = conversions.recordConversion(postback(kcid, account)
        .setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("EUR")).setTransactionId("o-1").build());
    assertThat(first.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    RecordConversionResponse again = conversions.recordConversion(postback(kcid.toUpperCase(), account).build());
    assertThat(again.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(again.getConversionId()).isEqualTo(first.getConversionId());
    var read = conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(first.getConversionId()).build());
    assertThat(read.getConversion().getTransactionId()).isEqualTo("o-1");
    assertThat(read.getConversion().getValue().getAmount()).isEqualTo("12.50");
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsList())
        .hasSize(1);
  }

  @Test
  void clicksOfEveryPartitionConvertAndReadBack() {
    // 16 partitions = 16 slots spread over every primary of a Cluster.
    var account = newAccount();
    Map<Integer, String> byPartition = new HashMap<>();
    while (byPartition.size() < 16) {
      String kcid = click(account.getAccount().getAccountId());
      byPartition.putIfAbsent(clicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build()).getPartition(), kcid);
    }
    byPartition.forEach((partition, kcid) -> {
      var recorded = conversions.recordConversion(postback(kcid, account).build());
      assertThat(recorded.getOutcome()).as("partition %d", partition).isEqualTo(Outcome.OUTCOME_ACCEPTED);
      assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build())
          .getConversions(0).getConversionId()).isEqualTo(recorded.getConversionId());
    });
  }

  @Test
  void requestIdRetriesReturnTheFirstAnswer() {
    var account = newAccount();
    String id = account.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("event")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    String kcid = click(id);
    var request = postback(kcid, account).setGoalKey("event").setRequestId("req-42").build();
    var first = conversions.recordConversion(request);
    var retry = conversions.recordConversion(request);
    assertThat(retry.getConversionId()).isEqualTo(first.getConversionId());
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsCount())
        .isEqualTo(1);
    assertThatThrownBy(() -> conversions.recordConversion(request.toBuilder().setTransactionId("other").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED));
  }

  @Test
  void manyConcurrentIdenticalPostbacksRecordExactlyOne() throws Exception {
    var account = newAccount();
    String kcid = click(account.getAccount().getAccountId());
    var async = ConversionServiceGrpc.newFutureStub(channel);
    var request = postback(kcid, account).build();
    List<com.google.common.util.concurrent.ListenableFuture<RecordConversionResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(async.withDeadlineAfter(30, TimeUnit.SECONDS).recordConversion(request));
    }
    int accepted = 0;
    for (var call : calls) {
      if (call.get().getOutcome() == Outcome.OUTCOME_ACCEPTED) {
        accepted++;
      }
    }
    assertThat(accepted).isEqualTo(1);
  }

  @Test
  void accountsOnEveryNodeAreListedInOrder() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = "list-" + topology.name().toLowerCase() + "-" + (char) ('a' + i);
      admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).build());
      ids.add(id);
    }
    var listed = admin.listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).build()).getAccountsList();
    assertThat(listed).extracting(a -> a.getAccountId()).containsSubsequence(ids);
  }
}
