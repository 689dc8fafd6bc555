package io.kcid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateApiKeyResponse;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GetCallerResponse;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListApiKeysResponse;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.ListDestinationsResponse;
import io.kcid.proto.tracking.v1.ListGoalsResponse;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.RotateAccountSecretResponse;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The JSON Schemas of every command's {@code -o json} (docs/cli-schemas/&lt;command&gt;.v1.schema.json),
 * generated from the API's descriptors with {@link CliJson}'s rules so schema and output cannot
 * drift; CliSchemasTest keeps the committed files fresh, JsonContractIT validates real output.
 */
final class CliSchemas {
  static final Path DIR = Path.of("..", "docs", "cli-schemas");
  static final String VERSION = "v1";
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String TIME_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$";
  static final String DURATION_PATTERN = "^-?([0-9]+[smhd]|[0-9]+\\.[0-9]+s)$";

  private CliSchemas() {}

  /** Every command that prints data, by its name in file names ("api-key-list"), with its schema. */
  static Map<String, ObjectNode> all() {
    Map<String, ObjectNode> schemas = new LinkedHashMap<>();
    schemas.put("account-create", message("account create", CreateAccountResponse.getDescriptor(), CliSchemas::created));
    schemas.put("account-get", message("account get", Account.getDescriptor(), s -> { }));
    schemas.put("account-list", message("account list", ListAccountsResponse.getDescriptor(), s -> { }));
    schemas.put("account-update", message("account update", Account.getDescriptor(), s -> { }));
    schemas.put("account-rotate-secret",
        message("account rotate-secret", RotateAccountSecretResponse.getDescriptor(), s -> { }));
    schemas.put("partner-create", message("partner create", Partner.getDescriptor(), s -> { }));
    schemas.put("partner-list", message("partner list", ListPartnersResponse.getDescriptor(), s -> { }));
    schemas.put("partner-show", message("partner show", Partner.getDescriptor(), s -> { }));
    schemas.put("partner-update", message("partner update", Partner.getDescriptor(), s -> { }));
    schemas.put("partner-delete", plain("partner delete", Map.of("partner_id", string(), "deleted", type("boolean"),
        "deleted_account_ids", type("array").set("items", string()))));
    schemas.put("destination-create",
        message("destination create", CreateDestinationResponse.getDescriptor(), s -> { }));
    schemas.put("destination-list", message("destination list", ListDestinationsResponse.getDescriptor(), s -> { }));
    schemas.put("destination-show", message("destination show", Destination.getDescriptor(), s -> { }));
    schemas.put("destination-update", message("destination update", Destination.getDescriptor(), s -> { }));
    schemas.put("destination-pause", message("destination pause", Destination.getDescriptor(), s -> { }));
    schemas.put("destination-resume", message("destination resume", Destination.getDescriptor(), s -> { }));
    schemas.put("destination-delete", plain("destination delete", Map.of("destination_id", string(),
        "deleted", type("boolean"))));
    schemas.put("destination-test", message("destination test", TestDestinationResponse.getDescriptor(), s -> { }));
    schemas.put("destination-rotate-secret",
        message("destination rotate-secret", RotateDestinationSecretResponse.getDescriptor(), s -> { }));
    schemas.put("api-key-create", message("api-key create", CreateApiKeyResponse.getDescriptor(), s -> { }));
    schemas.put("api-key-list", message("api-key list", ListApiKeysResponse.getDescriptor(), s -> { }));
    schemas.put("api-key-whoami", message("api-key whoami", GetCallerResponse.getDescriptor(), s -> { }));
    schemas.put("api-key-revoke", plain("api-key revoke", Map.of("name", string(), "revoked", type("boolean"))));
    schemas.put("bots-load", message("bots load", io.kcid.proto.tracking.v1.LoadBotRangesResponse.getDescriptor(), s -> { }));
    schemas.put("bots-list", message("bots list", io.kcid.proto.tracking.v1.ListBotRangesResponse.getDescriptor(), s -> { }));
    schemas.put("bots-clear", message("bots clear", io.kcid.proto.tracking.v1.ClearBotRangesResponse.getDescriptor(), s -> { }));
    schemas.put("fx-load", message("fx load", io.kcid.proto.tracking.v1.LoadExchangeRatesResponse.getDescriptor(), s -> { }));
    schemas.put("fx-list", message("fx list", io.kcid.proto.tracking.v1.ListExchangeRatesResponse.getDescriptor(), s -> { }));
    schemas.put("cap-set", message("cap set", io.kcid.proto.tracking.v1.SetConversionCapResponse.getDescriptor(), s -> { }));
    schemas.put("cap-list", message("cap list", io.kcid.proto.tracking.v1.ListConversionCapsResponse.getDescriptor(), s -> { }));
    schemas.put("cap-delete", message("cap delete", io.kcid.proto.tracking.v1.DeleteConversionCapResponse.getDescriptor(), s -> { }));
    schemas.put("click", message("click", Click.getDescriptor(), s -> { }));
    schemas.put("click-url", plain("click-url", Map.of("url", string())));
    schemas.put("conversion-status", message("conversion-status", Conversion.getDescriptor(), s -> { }));
    schemas.put("conversions", message("conversions", ListConversionsResponse.getDescriptor(), s -> { }));
    schemas.put("conversions-export", message("conversions export (one line per conversion)",
        Conversion.getDescriptor(), CliSchemas::withCampaign));
    schemas.put("conversions-import", conversionsImport());
    schemas.put("conversions-reconcile", conversionsReconcile());
    schemas.put("deliveries", message("deliveries", ListDeliveriesResponse.getDescriptor(), s -> { }));
    schemas.put("doctor", plain("doctor", Map.of("checks", doctorChecks())));
    schemas.put("explain", message("explain", ExplainClickResponse.getDescriptor(), s -> { }));
    schemas.put("goal-create", message("goal create", Goal.getDescriptor(), s -> { }));
    schemas.put("goal-list", message("goal list", ListGoalsResponse.getDescriptor(), s -> { }));
    schemas.put("goal-pause", message("goal pause", Goal.getDescriptor(), s -> { }));
    schemas.put("goal-resume", message("goal resume", Goal.getDescriptor(), s -> { }));
    schemas.put("inspect", message("inspect", InspectKcidResponse.getDescriptor(), s -> { }));
    schemas.put("postback", postback());
    schemas.put("postbacks", message("postbacks", ListPostbacksResponse.getDescriptor(), s -> { }));
    schemas.put("redeliver", message("redeliver", RedeliverResponse.getDescriptor(), s -> { }));
    schemas.put("replay", message("replay", ReplayPostbacksResponse.getDescriptor(), s -> { }));
    schemas.put("stats", message("stats", GetStatsResponse.getDescriptor(), s -> { }));
    schemas.put("stream", message("stream (one line per event)", StreamConversionsResponse.getDescriptor(), s -> { }));
    return schemas;
  }

  /** Export adds the click's campaign to each conversion. */
  private static void withCampaign(ObjectNode schema) {
    ObjectNode conversion = (ObjectNode) schema.get("$defs").get("Conversion");
    ((ObjectNode) conversion.get("properties")).set("campaign_id", string());
    ((ArrayNode) conversion.get("required")).add("campaign_id");
  }

  /** The import's summary (the rows go to --results as CSV). */
  private static ObjectNode conversionsImport() {
    ObjectNode outcomes = type("object");
    ObjectNode props = outcomes.putObject("properties");
    ArrayNode required = outcomes.putArray("required");
    for (String outcome : List.of("accepted", "duplicate", "rejected", "unknown", "valid")) {
      props.set(outcome, type("integer"));
      required.add(outcome);
    }
    outcomes.put("additionalProperties", false);
    return plain("conversions import", Map.of("file", string(), "results", string(), "dry_run", type("boolean"),
        "outcomes", outcomes));
  }

  /** The orders kcid has no conversion for, with why. */
  private static ObjectNode conversionsReconcile() {
    ObjectNode order = type("object");
    ObjectNode props = order.putObject("properties");
    ArrayNode required = order.putArray("required");
    Map<String, ObjectNode> fields = new LinkedHashMap<>();
    fields.put("line", type("integer"));
    fields.put("txid", string());
    fields.put("kcid", string());
    ObjectNode reason = string();
    reason.putArray("enum").add("no-postback").add("refused").add("click-unknown").add("click-expired")
        .add("kcid-malformed").add("unreadable");
    fields.put("reason", reason);
    fields.put("error_reason", string());
    fields.put("message", string());
    fields.put("log_id", string());
    fields.forEach((k, v) -> {
      props.set(k, v);
      required.add(k);
    });
    order.put("additionalProperties", false);
    return plain("conversions reconcile", Map.of("orders", type("integer"), "found", type("integer"),
        "missing", type("array").set("items", order)));
  }

  static String fileName(String command) {
    return command + "." + VERSION + ".schema.json";
  }

  static String text(ObjectNode schema) throws Exception {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(schema) + "\n";
  }

  private static ObjectNode header(String command) {
    ObjectNode schema = JSON.createObjectNode();
    schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    schema.put("title", "./kcid " + command + " -o json, " + VERSION);
    schema.put("description", "Generated from the API's descriptors by CliSchemas; see docs/clients.md, \"Output for scripts\".");
    return schema;
  }

  private static ObjectNode message(String command, Descriptor root, Consumer<ObjectNode> tweak) {
    ObjectNode schema = header(command);
    ObjectNode defs = JSON.createObjectNode();
    define(root, defs);
    schema.put("$ref", "#/$defs/" + root.getName());
    schema.set("$defs", sorted(defs));
    tweak.accept(schema);
    return schema;
  }

  private static ObjectNode sorted(ObjectNode defs) {
    ObjectNode out = JSON.createObjectNode();
    List<String> names = new ArrayList<>();
    defs.fieldNames().forEachRemaining(names::add);
    names.stream().sorted().forEach(n -> out.set(n, defs.get(n)));
    return out;
  }

  private static void define(Descriptor type, ObjectNode defs) {
    if (defs.has(type.getName())) {
      return;
    }
    ObjectNode def = defs.putObject(type.getName());
    def.put("type", "object");
    ObjectNode properties = def.putObject("properties");
    ArrayNode required = def.putArray("required");
    for (FieldDescriptor field : type.getFields()) {
      properties.set(field.getName(), field(field, defs));
      if (field.isRepeated() || !field.hasPresence()) {
        required.add(field.getName());
      }
    }
    if (type.equals(PostbackLogEntry.getDescriptor())) {
      properties.set("replay", type("boolean")
          .put("description", "A replay that met a duplicate (outcome duplicate; the table says duplicate (replay))."));
      required.add("replay");
      properties.set("retry", type("boolean")
          .put("description", "A sender's retry with a request id seen before, answered with the first call's answer"
              + " (outcome duplicate; the table says duplicate (retry))."));
      required.add("retry");
    }
    def.put("additionalProperties", false);
  }

  private static ObjectNode field(FieldDescriptor field, ObjectNode defs) {
    if (field.isMapField()) {
      ObjectNode map = type("object");
      map.set("additionalProperties", single(field.getMessageType().findFieldByName("value"), defs));
      return map;
    }
    if (field.isRepeated()) {
      ObjectNode array = type("array");
      array.set("items", single(field, defs));
      return array;
    }
    return single(field, defs);
  }

  private static ObjectNode single(FieldDescriptor field, ObjectNode defs) {
    return switch (field.getJavaType()) {
      case INT, LONG -> type("integer");
      case FLOAT, DOUBLE -> type("number");
      case BOOLEAN -> type("boolean");
      case STRING -> field.getName().equals("amount") || field.getName().endsWith("_amount")
          // No pattern: the postback log keeps a refused postback's value as it was sent.
          ? string().put("description", "A decimal as a string, e.g. \"12.50\", so it stays exact; empty when there is none.")
          : string();
      case BYTE_STRING -> string().put("contentEncoding", "base64");
      case ENUM -> {
        ObjectNode e = JSON.createObjectNode();
        e.putArray("type").add("string").add("null");
        ArrayNode words = e.putArray("enum");
        for (EnumValueDescriptor v : field.getEnumType().getValues()) {
          String word = CliWords.enumWord(v);
          if (word != null) {
            words.add(word);
          }
        }
        words.addNull();
        yield e;
      }
      case MESSAGE -> {
        Descriptor type = field.getMessageType();
        if (type.equals(Timestamp.getDescriptor())) {
          yield string().put("format", "date-time").put("pattern", TIME_PATTERN);
        }
        if (type.equals(Duration.getDescriptor())) {
          yield string().put("pattern", DURATION_PATTERN)
              .put("description", "As the flags take durations: 90s, 45m, 12h, 30d.");
        }
        define(type, defs);
        yield JSON.createObjectNode().put("$ref", "#/$defs/" + type.getName());
      }
    };
  }

  /** doctor's findings: one object per check, its status one of ok, warn, fail. */
  private static ObjectNode doctorChecks() {
    ObjectNode check = type("object");
    ObjectNode props = check.putObject("properties");
    ArrayNode required = check.putArray("required");
    ObjectNode status = string();
    status.putArray("enum").add("ok").add("warn").add("fail");
    props.set("check", string());
    props.set("finding", string());
    props.set("fix", string());
    props.set("status", status);
    List.of("check", "finding", "fix", "status").forEach(required::add);
    check.put("additionalProperties", false);
    ObjectNode array = type("array");
    array.set("items", check);
    return array;
  }

  private static ObjectNode type(String name) {
    return JSON.createObjectNode().put("type", name);
  }

  private static ObjectNode string() {
    return type("string");
  }

  private static ObjectNode plain(String command, Map<String, ObjectNode> properties) {
    ObjectNode schema = header(command);
    schema.put("type", "object");
    ObjectNode props = schema.putObject("properties");
    ArrayNode required = schema.putArray("required");
    properties.keySet().stream().sorted().forEach(k -> {
      props.set(k, properties.get(k));
      required.add(k);
    });
    schema.put("additionalProperties", false);
    return schema;
  }

  /** account create: the created account without its token hint (the whole token is beside it), and where it was saved. */
  private static void created(ObjectNode schema) {
    ObjectNode defs = (ObjectNode) schema.get("$defs");
    ObjectNode account = defs.get("Account").deepCopy();
    ((ObjectNode) account.get("properties")).remove("postback_token_hint");
    ArrayNode required = (ArrayNode) account.get("required");
    for (int i = required.size() - 1; i >= 0; i--) {
      if (required.get(i).asText().equals("postback_token_hint")) {
        required.remove(i);
      }
    }
    defs.set("Account", account);
    ObjectNode response = (ObjectNode) defs.get("CreateAccountResponse");
    ((ObjectNode) response.get("properties")).set("saved_to",
        string().put("description", "The local copy of the secrets ($KCID_HOME/accounts/<id>.json, same keys)."));
    ((ArrayNode) response.get("required")).add("saved_to");
  }

  /** postback: the edge's answer as it is (docs/http-api.md), not a message of the gRPC API. */
  private static ObjectNode postback() {
    ObjectNode nullableString = JSON.createObjectNode();
    nullableString.putArray("type").add("string").add("null");
    ObjectNode status = string();
    status.putArray("enum").add("accepted").add("duplicate").add("rejected").add("retry");
    Map<String, ObjectNode> properties = new LinkedHashMap<>();
    properties.put("status", status);
    ObjectNode schema = plain("postback", properties);
    ObjectNode props = (ObjectNode) schema.get("properties");
    props.set("reason", nullableString.deepCopy().put("description", "The reason code, e.g. GOAL_PAUSED."));
    props.set("message", string());
    props.set("conversion_id", nullableString.deepCopy());
    return schema;
  }

  static JsonNode read(String text) throws Exception {
    return JSON.readTree(text);
  }
}
