package io.kcid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import java.util.Base64;
import java.util.List;

/**
 * Turns API answers (protobuf messages) into the CLI's JSON (docs/clients.md, "Output for
 * scripts"): snake_case keys (the proto field names), enums in {@link CliWords}' words (null when
 * unset), int64 as JSON numbers, Timestamp as RFC 3339 UTC, Duration as the flags' 30d / 12h /
 * 45m / 90s, Money as {"amount": "12.50", "currency_code": "EUR"} with the decimal kept exact as a
 * string. Every plain field is present, also at its default; an unset message field is left out.
 */
final class CliJson {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CliJson() {}

  static ObjectNode object(MessageOrBuilder message) {
    ObjectNode out = NODES.objectNode();
    Descriptor type = message.getDescriptorForType();
    for (FieldDescriptor field : type.getFields()) {
      if (!field.isRepeated() && field.hasPresence() && !message.hasField(field)) {
        continue;
      }
      out.set(field.getName(), field(field, message.getField(field)));
    }
    if (message instanceof PostbackLogEntry entry) {
      // As the table says it: "duplicate (replay)" is outcome duplicate + replay, "duplicate (retry)" + retry.
      out.put("outcome", CliWords.outcome(entry));
      out.put("replay", CliWords.duplicateReplay(entry));
      out.put("retry", CliWords.duplicateRetry(entry));
    }
    return out;
  }

  /** One line of JSON, as {@code --json} prints it. */
  static String print(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode field(FieldDescriptor field, Object value) {
    if (field.isMapField()) {
      ObjectNode map = NODES.objectNode();
      FieldDescriptor key = field.getMessageType().findFieldByName("key");
      FieldDescriptor val = field.getMessageType().findFieldByName("value");
      for (Object o : (List<?>) value) {
        Message entry = (Message) o;
        map.set(String.valueOf(entry.getField(key)), single(val, entry.getField(val)));
      }
      return map;
    }
    if (field.isRepeated()) {
      ArrayNode array = NODES.arrayNode();
      for (Object o : (List<?>) value) {
        array.add(single(field, o));
      }
      return array;
    }
    return single(field, value);
  }

  private static JsonNode single(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case INT -> NODES.numberNode((Integer) value);
      case LONG -> NODES.numberNode((Long) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case STRING -> NODES.textNode((String) value);
      case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> {
        String word = CliWords.enumWord((EnumValueDescriptor) value);
        yield word == null ? NODES.nullNode() : NODES.textNode(word);
      }
      case MESSAGE -> message((Message) value);
    };
  }

  private static JsonNode message(Message value) {
    if (value instanceof Timestamp t) {
      return NODES.textNode(CliWords.time(t));
    }
    if (value instanceof Duration d) {
      return NODES.textNode(CliWords.duration(d));
    }
    return object(value);
  }
}
