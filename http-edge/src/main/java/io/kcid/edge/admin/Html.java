package io.kcid.edge.admin;

/**
 * A tiny HTML builder whose only way to add a value is {@link #text}, which escapes it: markup
 * comes from string literals in this package ({@link #raw}), data never does.
 */
final class Html {
  private final StringBuilder out = new StringBuilder(4096);

  /** Trusted markup written by this package. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** A value, escaped for element content and quoted attribute values. */
  Html text(Object value) {
    out.append(escape(String.valueOf(value)));
    return this;
  }

  /** {@code <tag>value</tag>} with the value escaped. */
  Html el(String tag, Object value) {
    return raw("<" + tag + ">").text(value).raw("</" + tag + ">");
  }

  /** One table row of escaped cells. */
  Html row(Object... cells) {
    raw("<tr>");
    for (Object cell : cells) {
      el("td", cell);
    }
    return raw("</tr>");
  }

  /** A header row. */
  Html head(String... cells) {
    raw("<tr>");
    for (String cell : cells) {
      el("th", cell);
    }
    return raw("</tr>");
  }

  static String escape(String value) {
    StringBuilder escaped = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '&' -> escaped.append("&amp;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
