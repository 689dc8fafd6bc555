package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.kcid.proto.tracking.v1.ItemError;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** IssueClicks: each item is answered exactly as its own IssueClick would be. */
class IssueClicksTest {
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static String account;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.builder(redis.url()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    account = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .createAccount(CreateAccountRequest.newBuilder().setDisplayName("Batch").build()).getAccount().getAccountId();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static IssueClickRequest.Builder click(String campaign) {
    return IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign)
        .putSubIds("s1", "pub-" + campaign).setDestinationUrl("https://shop.example/" + campaign);
  }

  @Test
  void eachItemIsStoredOrRefusedAsItsOwnCallWouldBe() {
    List<IssueClickRequest> items = List.of(
        click("spring").build(),
        click("summer").setDestinationUrl("javascript:alert(1)").build(),
        click("autumn").setAccountId("no-such-account").build(),
        click("winter").putSubIds("s11", "x").build(),
        click("spring").build());
    IssueClicksResponse batch = clicks.issueClicks(IssueClicksRequest.newBuilder().addAllItems(items).build());

    assertThat(batch.getResultsList()).extracting(IssueClickResult::getIndex).containsExactly(0, 1, 2, 3, 4);
    Set<String> kcids = new HashSet<>();
    for (int i : List.of(0, 4)) {
      IssueClickResponse issued = batch.getResults(i).getResponse();
      assertThat(issued.getRedirectUrl()).isEqualTo("https://shop.example/spring?kcid=" + issued.getClick().getKcid());
      var stored = clicks.getClick(GetClickRequest.newBuilder().setKcid(issued.getClick().getKcid()).build()).getClick();
      assertThat(stored.getCampaignId()).isEqualTo("spring");
      assertThat(stored.getSubIdsMap()).containsEntry("s1", "pub-spring");
      kcids.add(issued.getClick().getKcid());
    }
    assertThat(kcids).as("two identical clicks without a request id are two clicks").hasSize(2);
    for (int i : List.of(1, 2, 3)) {
      ItemError error = batch.getResults(i).getError();
      StatusRuntimeException alone = refusal(items.get(i));
      ErrorInfo info = errorInfo(alone);
      assertThat(error.getReason()).isNotEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
      assertThat(ErrorReasons.shortName(error.getReason())).isEqualTo(info.getReason());
      assertThat(error.getMessage()).isEqualTo(StatusProto.fromThrowable(alone).getMessage());
      assertThat(error.getMetadataMap()).isEqualTo(info.getMetadataMap());
    }
    assertThat(batch.getResults(1).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_INVALID);
    assertThat(batch.getResults(2).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
  }

  @Test
  void aRequestIdNamesOneClickAcrossBatchesAndSingleCalls() {
    IssueClickRequest keyed = click("retry").setRequestId("issue-clicks-" + System.nanoTime()).build();
    IssueClicksResponse first = clicks.issueClicks(IssueClicksRequest.newBuilder().addItems(keyed).build());
    IssueClicksResponse again = clicks.issueClicks(IssueClicksRequest.newBuilder().addItems(keyed).addItems(keyed).build());
    String kcid = first.getResults(0).getResponse().getClick().getKcid();

    assertThat(again.getResultsList()).allSatisfy(r -> assertThat(r.getResponse().getClick().getKcid()).isEqualTo(kcid));
    assertThat(clicks.issueClick(keyed).getClick().getKcid()).isEqualTo(kcid);
  }

  @Test
  void anEmptyOrOversizedBatchIsRefusedWhole() {
    assertThatThrownBy(() -> clicks.issueClicks(IssueClicksRequest.getDefaultInstance()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
    IssueClicksRequest.Builder tooMany = IssueClicksRequest.newBuilder();
    for (int i = 0; i <= Batches.MAX_BATCH; i++) {
      tooMany.addItems(click("big"));
    }
    assertThatThrownBy(() -> clicks.issueClicks(tooMany.build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_BATCH_TOO_LARGE));
  }

  private static StatusRuntimeException refusal(IssueClickRequest request) {
    try {
      clicks.issueClick(request);
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("IssueClick accepted " + request);
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    return StatusProto.fromThrowable(e).getDetailsList().stream().filter(d -> d.is(ErrorInfo.class)).findFirst()
        .map(d -> {
          try {
            return d.unpack(ErrorInfo.class);
          } catch (com.google.protobuf.InvalidProtocolBufferException x) {
            throw new AssertionError(x);
          }
        })
        .orElseThrow();
  }
}
