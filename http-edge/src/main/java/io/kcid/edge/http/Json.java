package io.kcid.edge.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Writes the edge's flat JSON bodies with Jackson's streaming generator (correct escaping, no object mapper). */
public final class Json {
  /** Shared: Jackson factories are thread-safe once configured. */
  public static final JsonFactory FACTORY = JsonFactory.builder().build();

  private Json() {}

  /** A flat JSON object of string fields, in the map's iteration order; null values are left out. */
  public static byte[] object(Map<String, String> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartObject();
      for (Map.Entry<String, String> field : fields.entrySet()) {
        if (field.getValue() != null) {
          json.writeStringField(field.getKey(), field.getValue());
        }
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to memory", e);
    }
    return out.toByteArray();
  }
}
