package io.kcid.edge.admin;

import java.util.List;

/**
 * Server-rendered bar charts as inline SVG: no chart library, no script, nothing fetched. Bars are
 * scaled to the largest value; each bar carries its label and value as text.
 */
final class SvgChart {
  static final int WIDTH = 540;
  static final int HEIGHT = 220;
  private static final int AXIS = 30;
  private static final int TOP = 20;

  /** One bar. */
  record Bar(String label, long value) {}

  private SvgChart() {}

  /** A bar chart titled {@code title}, written into {@code html}. */
  static void bars(Html html, String title, List<Bar> bars, String colour) {
    long max = Math.max(1, bars.stream().mapToLong(Bar::value).max().orElse(1));
    int slot = (WIDTH - 20) / Math.max(1, bars.size());
    int plot = HEIGHT - AXIS - TOP;
    html.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + HEIGHT
        + "\" viewBox=\"0 0 " + WIDTH + " " + HEIGHT + "\" role=\"img\"><title>").text(title).raw("</title>");
    html.raw("<rect width=\"100%\" height=\"100%\" fill=\"#f7f7fb\"/>");
    html.raw("<line x1=\"10\" y1=\"" + (TOP + plot) + "\" x2=\"" + (WIDTH - 10) + "\" y2=\"" + (TOP + plot)
        + "\" stroke=\"#888\"/>");
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int height = (int) Math.round((double) bar.value() * plot / max);
      int x = 10 + i * slot + slot / 8;
      int width = slot * 3 / 4;
      int y = TOP + plot - height;
      html.raw("<rect class=\"bar\" x=\"" + x + "\" y=\"" + y + "\" width=\"" + width + "\" height=\"" + height
          + "\" fill=\"" + colour + "\"/>");
      html.raw("<text x=\"" + (x + width / 2) + "\" y=\"" + (y - 4) + "\" font-size=\"11\" text-anchor=\"middle\">")
          .text(bar.value()).raw("</text>");
      html.raw("<text x=\"" + (x + width / 2) + "\" y=\"" + (HEIGHT - 10) + "\" font-size=\"10\" text-anchor=\"middle\">")
          .text(bar.label()).raw("</text>");
    }
    html.raw("</svg>");
  }
}
