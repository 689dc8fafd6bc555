package io.kcid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.MessageOrBuilder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Prints one command's answer in the format asked for: its own lines for people (table), the
 * CLI's JSON ({@link CliJson}), CSV, or only ids ({@code -q}). A command says once what its rows
 * are (the items of a list, or the one object) and which key is their id; --fields then picks keys
 * of each row.
 */
final class Output {
  private final OutputOptions options;
  private final Function<JsonNode, List<JsonNode>> rows;
  private final String idKey;
  private List<String> csvColumns;

  /**
   * @param rows the rows of an answer, e.g. {@link #items} or {@link #itself}
   * @param idKey the dotted key of a row's id for {@code -q}; null when the command prints no ids
   */
  Output(OutputOptions options, Function<JsonNode, List<JsonNode>> rows, String idKey) {
    this.options = options;
    this.rows = rows;
    this.idKey = idKey;
    if (options.quiet && idKey == null) {
      throw new CliException("-q: this command prints no ids; use --fields to pick what to print");
    }
    options.format();
  }

  /** The items of an array field, e.g. {@code accounts} of a list answer. */
  static Function<JsonNode, List<JsonNode>> items(String arrayKey) {
    return answer -> {
      List<JsonNode> list = new ArrayList<>();
      answer.path(arrayKey).forEach(list::add);
      return list;
    };
  }

  /** The answer itself is the one row. */
  static Function<JsonNode, List<JsonNode>> itself() {
    return List::of;
  }

  static void line(String label, Object value) {
    System.out.printf("%-16s %s%n", label + ":", value);
  }

  /** Prints an API answer; {@code table} prints the lines for people. */
  void print(MessageOrBuilder answer, Runnable table) {
    print(CliJson.object(answer), table);
  }

  void print(ObjectNode answer, Runnable table) {
    List<JsonNode> selected = rows.apply(answer);
    if (options.quiet) {
      selected.stream().map(row -> text(at(row, idKey))).filter(id -> !id.isEmpty()).forEach(System.out::println);
      return;
    }
    List<String> fields = options.fields == null ? null : options.fields.stream().map(String::trim).toList();
    if (fields != null) {
      check(fields, selected);
    }
    switch (options.format()) {
      case JSON -> System.out.println(CliJson.print(fields == null ? answer : only(answer, selected, fields)));
      case CSV -> csv(selected, fields);
      case TABLE -> {
        if (fields == null) {
          table.run();
        } else {
          table(selected, fields);
        }
      }
    }
    System.out.flush();
  }

  private static void check(List<String> fields, List<JsonNode> selected) {
    if (selected.isEmpty()) {
      return;
    }
    for (String field : fields) {
      if (selected.stream().allMatch(row -> at(row, field).isMissingNode())) {
        Set<String> known = new LinkedHashSet<>();
        selected.forEach(row -> known.addAll(flatten(row).keySet()));
        throw new CliException("--fields " + field + ": no such key; keys: " + String.join(", ", known));
      }
    }
  }

  /** The answer with each row cut down to the fields (the rows are the answer's own nodes). */
  private static JsonNode only(ObjectNode answer, List<JsonNode> selected, List<String> fields) {
    List<ObjectNode> cut = new ArrayList<>();
    for (JsonNode row : selected) {
      ObjectNode kept = CliJson.MAPPER.createObjectNode();
      for (String field : fields) {
        JsonNode value = at(row, field);
        if (!value.isMissingNode()) {
          put(kept, field, value);
        }
      }
      cut.add(kept);
    }
    if (selected.size() == 1 && selected.get(0) == answer) {
      return cut.get(0);
    }
    for (int i = 0; i < selected.size(); i++) {
      ObjectNode row = (ObjectNode) selected.get(i);
      row.removeAll();
      row.setAll(cut.get(i));
    }
    return answer;
  }

  private static void put(ObjectNode into, String dotted, JsonNode value) {
    String[] path = dotted.split("\\.");
    ObjectNode node = into;
    for (int i = 0; i < path.length - 1; i++) {
      node = node.has(path[i]) ? (ObjectNode) node.get(path[i]) : node.putObject(path[i]);
    }
    node.set(path[path.length - 1], value);
  }

  private void csv(List<JsonNode> selected, List<String> fields) {
    if (csvColumns == null) {
      // The first answer fixes the columns, so a stream of answers prints one header.
      Set<String> columns = new LinkedHashSet<>();
      if (fields != null) {
        columns.addAll(fields);
      } else {
        selected.forEach(row -> columns.addAll(flatten(row).keySet()));
      }
      csvColumns = List.copyOf(columns);
      System.out.println(String.join(",", csvColumns.stream().map(Output::csvCell).toList()));
    }
    for (JsonNode row : selected) {
      System.out.println(String.join(",", csvColumns.stream().map(c -> csvCell(text(at(row, c)))).toList()));
    }
  }

  private static void table(List<JsonNode> selected, List<String> fields) {
    int[] width = new int[fields.size()];
    List<List<String>> cells = new ArrayList<>();
    for (JsonNode row : selected) {
      List<String> line = new ArrayList<>();
      for (String field : fields) {
        String text = text(at(row, field));
        line.add(text.isEmpty() ? "-" : text);
      }
      cells.add(line);
    }
    for (int i = 0; i < width.length; i++) {
      width[i] = fields.get(i).length();
      for (List<String> line : cells) {
        width[i] = Math.max(width[i], line.get(i).length());
      }
    }
    System.out.println(aligned(fields, width));
    cells.forEach(line -> System.out.println(aligned(line, width)));
  }

  private static String aligned(List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      b.append(cells.get(i)).append(" ".repeat(i < cells.size() - 1 ? width[i] - cells.get(i).length() + 2 : 0));
    }
    return b.toString().stripTrailing();
  }

  /** A key with dots walks into nested objects ({@code request.kcid}); a missing key is a missing node. */
  static JsonNode at(JsonNode row, String dotted) {
    JsonNode node = row;
    for (String part : dotted.split("\\.")) {
      node = node.path(part);
    }
    return node;
  }

  /** A cell's text: scalars as they are, null as nothing, lists of scalars joined with ';', objects as JSON. */
  static String text(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return "";
    }
    if (node.isValueNode()) {
      return node.asText();
    }
    if (node.isArray() && allScalars((ArrayNode) node)) {
      List<String> parts = new ArrayList<>();
      node.forEach(n -> parts.add(n.asText()));
      return String.join(";", parts);
    }
    return CliJson.print(node);
  }

  private static boolean allScalars(ArrayNode array) {
    for (JsonNode n : array) {
      if (!n.isValueNode()) {
        return false;
      }
    }
    return true;
  }

  /** Dotted keys of a row's leaves; lists stay one column. */
  static Map<String, String> flatten(JsonNode row) {
    Map<String, String> out = new LinkedHashMap<>();
    flatten("", row, out);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject() && (prefix.isEmpty() || node.size() > 0)) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else {
      out.put(prefix, text(node));
    }
  }

  private static String csvCell(String text) {
    if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
      return "\"" + text.replace("\"", "\"\"") + "\"";
    }
    return text;
  }
}
