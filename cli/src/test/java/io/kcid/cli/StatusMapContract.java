package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.PartnerDefaults;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.testing.TestServers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inbound status maps and postback response formats end to end: real HTTP through the edge, the
 * real tracking-server, the CLI and the CSV import, on the Redis deployment a subclass starts
 * (standalone: {@link StatusMapIT}; Cluster: {@link StatusMapClusterIT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StatusMapContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Map<String, ConversionStatus> WORDS = Map.of(
      "1", ConversionStatus.CONVERSION_STATUS_PENDING,
      "2", ConversionStatus.CONVERSION_STATUS_APPROVED,
      "3", ConversionStatus.CONVERSION_STATUS_REJECTED,
      "sale", ConversionStatus.CONVERSION_STATUS_APPROVED,
      "Lead ", ConversionStatus.CONVERSION_STATUS_PENDING,
      "chargeback", ConversionStatus.CONVERSION_STATUS_REJECTED);

  private AutoCloseable redis;
  private TrackingServer server;
  private HttpEdge edge;
  private ManagedChannel channel;
  private AdminServiceGrpc.AdminServiceBlockingStub admin;
  private ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private final Map<String, String> tokens = new LinkedHashMap<>();

  @TempDir Path dir;

  /** Starts the Redis deployment; {@link #redisUrl} names it afterwards. */
  abstract AutoCloseable startRedis();

  abstract String redisUrl();

  @BeforeAll
  void start() {
    redis = startRedis();
    server = TrackingServer.start(TestServers.builder(redisUrl()).redisTimeout(Duration.ofSeconds(2)).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
    clicks = ClickServiceGrpc.newBlockingStub(channel);
    conversions = ConversionServiceGrpc.newBlockingStub(channel);
    account(CreateAccountRequest.newBuilder().setAccountId("mapped").putAllStatusMap(WORDS));
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("mapped").setGoalKey("order")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  private CreateAccountResponse account(CreateAccountRequest.Builder request) {
    CreateAccountResponse created = admin.createAccount(request.build());
    tokens.put(created.getAccount().getAccountId(), created.getSecrets().getPostbackToken());
    return created;
  }

  private String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("spring").build())
        .getClick().getKcid();
  }

  private HttpResponse<String> postback(String account, String... kv) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("token", tokens.get(account));
    for (int i = 0; i < kv.length; i += 2) {
      params.put(kv[i], kv[i + 1]);
    }
    String query = params.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The status of the conversion a JSON postback answer names. */
  private ConversionStatus recorded(HttpResponse<String> answer) throws Exception {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    String id = JSON.readTree(answer.body()).get("conversion_id").asText();
    return conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(id).build())
        .getConversion().getStatus();
  }

  private static InProcessCli.Run kcid(TrackingServer server, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=127.0.0.1:" + server.port());
    return InProcessCli.run(all);
  }

  @Test
  void theSendersWordsRecordTheStatusesTheAccountMapsThemTo() throws Exception {
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "sale")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", " SALE ")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "1")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "2")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "3")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    // The map's words are stored normalized ("Lead " is "lead").
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "lead")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    // kcid's own words keep working beside the map.
    assertThat(recorded(postback("mapped", "kcid", click("mapped"), "status", "Rejected")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    // A mapped word moves a known transaction as kcid's own word would: lead, then chargeback.
    String kcid = click("mapped");
    HttpResponse<String> lead = postback("mapped", "kcid", kcid, "goal", "order", "txid", "o-1", "status", "lead");
    assertThat(recorded(lead)).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    HttpResponse<String> chargeback =
        postback("mapped", "kcid", kcid, "goal", "order", "txid", "o-1", "status", "chargeback");
    assertThat(JSON.readTree(chargeback.body()).get("conversion_id").asText())
        .isEqualTo(JSON.readTree(lead.body()).get("conversion_id").asText());
    assertThat(recorded(chargeback)).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
  }

  @Test
  void aMapOverridesKcidsOwnWord() throws Exception {
    account(CreateAccountRequest.newBuilder().setAccountId("overrides")
        .putStatusMap("approved", ConversionStatus.CONVERSION_STATUS_PENDING));
    assertThat(recorded(postback("overrides", "kcid", click("overrides"), "status", "approved")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(recorded(postback("overrides", "kcid", click("overrides"), "status", "rejected")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
  }

  @Test
  void anUnmappedWordIsRefusedWithAReasonNamingTheWordAndTheMap() throws Exception {
    HttpResponse<String> refused = postback("mapped", "kcid", click("mapped"), "status", "Billed");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
    JsonNode body = JSON.readTree(refused.body());
    assertThat(body.get("reason").asText()).isEqualTo("STATUS_NOT_MAPPED");
    assertThat(body.get("message").asText()).contains("'billed'", "[1,2,3,chargeback,lead,sale]");
    assertThat(refused.headers().firstValue("X-Kcid-Reason")).hasValue("STATUS_NOT_MAPPED");
    // Over gRPC the metadata names both, for programs.
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> conversions.recordConversion(RecordConversionRequest.newBuilder().setAccountId("mapped")
            .setKcid(click("mapped")).setStatusWord("billed").build()));
    assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_STATUS_NOT_MAPPED);
    assertThat(TestServers.metadataOf(e))
        .containsEntry("statusWord", "billed").containsEntry("statusMap", "1,2,3,chargeback,lead,sale");
    // A word no map could hold is malformed, not unmapped.
    HttpResponse<String> tooLong = postback("mapped", "kcid", click("mapped"), "status", "x".repeat(65));
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(tooLong.body()).get("reason").asText()).isEqualTo("INVALID_STATUS");
  }

  @Test
  void aPostbackRefusedForAnUnmappedWordIsReplayedOnceTheWordIsMapped() throws Exception {
    account(CreateAccountRequest.newBuilder().setAccountId("replayed"));
    String kcid = click("replayed");
    assertThat(postback("replayed", "kcid", kcid, "status", "billed").statusCode()).isEqualTo(422);
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("replayed")
        .putStatusMap("billed", ConversionStatus.CONVERSION_STATUS_PENDING).build());
    InProcessCli.Run replay = kcid(server, "replay", "--account", "replayed", "--since", "1h",
        "--reason", "STATUS_NOT_MAPPED");
    assertThat(replay.exit()).as(replay.out() + replay.err()).isZero();
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build())
        .getConversionsList()).singleElement()
        .satisfies(c -> assertThat(c.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING));
  }

  @Test
  void anAccountThatIgnoresStatusesRecordsTheDefaultWhateverTheSenderSays() throws Exception {
    account(CreateAccountRequest.newBuilder().setAccountId("ignoring").setIgnoreStatus(true));
    assertThat(recorded(postback("ignoring", "kcid", click("ignoring"), "status", "rejected")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(recorded(postback("ignoring", "kcid", click("ignoring"), "status", "whatever")))
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("ignoring").setIgnoreStatus(false).build());
    assertThat(postback("ignoring", "kcid", click("ignoring"), "status", "whatever").statusCode()).isEqualTo(422);
  }

  @Test
  void newAccountsInheritThePartnersDefaultsUnlessTheyNameTheirOwn() throws Exception {
    PartnerServiceGrpc.newBlockingStub(channel).createPartner(CreatePartnerRequest.newBuilder()
        .setPartnerId("network").setDisplayName("Network")
        .setDefaults(PartnerDefaults.newBuilder()
            .putStatusMap("reg", ConversionStatus.CONVERSION_STATUS_PENDING)
            .putStatusMap("Sale", ConversionStatus.CONVERSION_STATUS_APPROVED)
            .setPostbackResponseFormat(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK))
        .build());
    Account inherited = account(CreateAccountRequest.newBuilder().setAccountId("inherits").setPartnerId("network"))
        .getAccount();
    assertThat(inherited.getStatusMapMap()).containsOnlyKeys("reg", "sale");
    assertThat(inherited.getPostbackResponseFormat()).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK);
    HttpResponse<String> reg = postback("inherits", "kcid", click("inherits"), "status", "reg");
    assertThat(reg.statusCode()).isEqualTo(200);
    assertThat(reg.body()).isEqualTo("OK");
    assertThat(reg.headers().firstValue("X-Kcid-Outcome")).hasValue("accepted");

    Account own = account(CreateAccountRequest.newBuilder().setAccountId("own").setPartnerId("network")
        .putStatusMap("paid", ConversionStatus.CONVERSION_STATUS_APPROVED)
        .setPostbackResponseFormat(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON)).getAccount();
    assertThat(own.getStatusMapMap()).containsOnlyKeys("paid");
    assertThat(postback("own", "kcid", click("own"), "status", "reg").statusCode()).isEqualTo(422);
  }

  @Test
  void eachResponseFormatAnswersItsBodyAndRefusalsKeepTheirStatusAndReason() throws Exception {
    account(CreateAccountRequest.newBuilder().setAccountId("legacy"));
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("legacy").setGoalKey("order")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
    Map<PostbackResponseFormat, String> bodies = Map.of(
        PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK, "OK",
        PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_1, "1",
        PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_EMPTY, "");
    for (var format : bodies.entrySet()) {
      admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("legacy")
          .setPostbackResponseFormat(format.getKey()).build());
      String kcid = click("legacy");
      HttpResponse<String> accepted = postback("legacy", "kcid", kcid, "goal", "order", "txid", "t-1");
      assertThat(accepted.statusCode()).as("%s", format.getKey()).isEqualTo(200);
      assertThat(accepted.body()).as("%s", format.getKey()).isEqualTo(format.getValue());
      assertThat(accepted.headers().firstValue("X-Kcid-Outcome")).hasValue("accepted");
      HttpResponse<String> duplicate = postback("legacy", "kcid", kcid, "goal", "order", "txid", "t-1");
      assertThat(duplicate.statusCode()).isEqualTo(200);
      assertThat(duplicate.body()).isEqualTo(format.getValue());
      assertThat(duplicate.headers().firstValue("X-Kcid-Outcome")).hasValue("duplicate");
      assertThat(duplicate.headers().firstValue("X-Kcid-Reason")).hasValue("DUPLICATE_TRANSACTION");
      // A refusal never looks like a success: its status, JSON body and reason header stay.
      HttpResponse<String> refused = postback("legacy", "kcid", kcid, "goal", "nope");
      assertThat(refused.statusCode()).isEqualTo(422);
      assertThat(JSON.readTree(refused.body()).get("reason").asText()).isEqualTo("GOAL_NOT_FOUND");
      assertThat(refused.headers().firstValue("X-Kcid-Outcome")).hasValue("rejected");
      assertThat(refused.headers().firstValue("X-Kcid-Reason")).hasValue("GOAL_NOT_FOUND");
    }
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("legacy")
        .setPostbackResponseFormat(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON).build());
    HttpResponse<String> json = postback("legacy", "kcid", click("legacy"));
    assertThat(JSON.readTree(json.body()).get("status").asText()).isEqualTo("accepted");
  }

  @Test
  void theCsvImportMapsWordsWithTheSameMap() throws Exception {
    String sale = click("mapped");
    String unknown = click("mapped");
    Path orders = dir.resolve("orders.csv");
    Files.writeString(orders, "kcid,txid,goal,status\n" + sale + ",c-1,order,Sale\n" + unknown + ",c-2,order,billed\n");
    Path results = dir.resolve("results.csv");
    InProcessCli.Run run = kcid(server, "conversions", "import", orders.toString(), "--account", "mapped",
        "--results", results.toString());
    assertThat(run.exit()).as(run.err()).isEqualTo(1);
    List<String> rows = Files.readAllLines(results);
    assertThat(rows.get(1)).contains(",accepted,");
    assertThat(rows.get(2)).contains(",rejected,STATUS_NOT_MAPPED,", "billed");
    String id = rows.get(1).substring(rows.get(1).lastIndexOf(',') + 1);
    assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(id).build())
        .getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
  }

  @Test
  void theCliSetsAndShowsTheMapTheFlagAndTheFormat() {
    InProcessCli.Run created = kcid(server, "account", "create", "--id", "cli-made", "--name", "Cli",
        "--status-map", "sale=approved, chargeback=rejected", "--response-format", "text-1");
    assertThat(created.exit()).as(created.err()).isZero();
    InProcessCli.Run shown = kcid(server, "account", "show", "cli-made");
    assertThat(shown.out()).contains("chargeback=rejected,sale=approved", "text-1");
    assertThat(kcid(server, "account", "update", "cli-made", "--ignore-status", "--status-map", "").exit()).isZero();
    Account updated = admin.getAccount(GetAccountRequest.newBuilder().setAccountId("cli-made").build()).getAccount();
    assertThat(updated.getIgnoreStatus()).isTrue();
    assertThat(updated.getStatusMapMap()).isEmpty();
    assertThat(updated.getPostbackResponseFormat()).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_1);
    assertThat(kcid(server, "account", "update", "cli-made", "--ignore-status=false").exit()).isZero();
    assertThat(admin.getAccount(GetAccountRequest.newBuilder().setAccountId("cli-made").build()).getAccount()
        .getIgnoreStatus()).isFalse();
    InProcessCli.Run bad = kcid(server, "account", "update", "cli-made", "--status-map", "sale=paid");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("'paid' is not pending, approved or rejected");
    InProcessCli.Run partner = kcid(server, "partner", "create", "--id", "cli-partner", "--name", "P",
        "--status-map", "reg=pending", "--response-format", "empty");
    assertThat(partner.exit()).as(partner.err()).isZero();
    assertThat(partner.out()).contains("reg=pending", "empty");
    assertThatThrownBy(() -> admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("cli-made")
        .putStatusMap("a,b", ConversionStatus.CONVERSION_STATUS_APPROVED).build()))
        .satisfies(t -> assertThat(TestServers.reasonOf(t)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }
}
