package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading order lists (OrderCsv) and turning rows into requests (ImportRow): lines, problems, request ids. */
class OrderCsvTest {
  private static final Set<String> IMPORT = new LinkedHashSet<>(ImportRow.COLUMNS);

  @TempDir Path dir;

  private List<OrderCsv.Row> rows(String text) throws Exception {
    Path f = dir.resolve("orders.csv");
    Files.writeString(f, text);
    List<OrderCsv.Row> rows = new ArrayList<>();
    try (OrderCsv csv = OrderCsv.open(f, IMPORT, Set.of("kcid"), false)) {
      for (OrderCsv.Row r = csv.next(); r != null; r = csv.next()) {
        rows.add(r);
      }
    }
    return rows;
  }

  @Test
  void rowsKeepTheirFileLineAcrossBlankLinesAndQuotedLineBreaks() throws Exception {
    List<OrderCsv.Row> rows = rows("KCID,Transaction_ID,adv1\n\nk1,A-1,x\nk2,A-2,\"two\nlines\"\nk3,A-3\nk4,A-4,y\n");
    assertThat(rows).extracting(OrderCsv.Row::line).containsExactly(3L, 4L, 6L, 7L);
    assertThat(rows.get(0).get("txid")).isEqualTo("A-1");
    assertThat(rows.get(1).get("adv1")).isEqualTo("two\nlines");
    assertThat(rows.get(2).problem()).isEqualTo("expected 3 fields (kcid,txid,adv1), found 2");
    assertThat(rows.get(3).get("kcid")).isEqualTo("k4");
  }

  @Test
  void aHeaderWithAnUnknownOrMissingColumnIsRefusedBeforeAnyRow() {
    assertThatThrownBy(() -> rows("kcid,price\nk1,3\n")).isInstanceOf(CliException.class)
        .hasMessageContaining("unknown column 'price'");
    assertThatThrownBy(() -> rows("txid,goal\nA-1,sale\n")).isInstanceOf(CliException.class)
        .hasMessageContaining("no 'kcid' column");
    assertThatThrownBy(() -> rows("")).isInstanceOf(CliException.class).hasMessageContaining("empty");
  }

  @Test
  void theSameRowIsTheSameRequestWhereverItStandsAndTheAccountSeparatesThem() throws Exception {
    List<OrderCsv.Row> rows = rows("kcid,txid,value,currency,time\n"
        + "k1,A-1,10.00,EUR,2026-12-01T10:00:00Z\n"
        + "k1,A-1,10.00,EUR,2026-12-01T11:00:00+01:00\n"
        + "k1,A-1,10.01,EUR,2026-12-01T10:00:00Z\n");
    String first = ImportRow.of(rows.get(0), "acme").request().getRequestId();
    assertThat(first).matches("csv-[0-9a-f]{40}");
    assertThat(ImportRow.of(rows.get(1), "acme").request().getRequestId()).isEqualTo(first);
    assertThat(ImportRow.of(rows.get(2), "acme").request().getRequestId()).isNotEqualTo(first);
    assertThat(ImportRow.of(rows.get(0), "other").request().getRequestId()).isNotEqualTo(first);
  }

  @Test
  void timesTheCliCannotReadAreRefusedWithAStableReasonAndStatusWordsAreForwarded() throws Exception {
    List<OrderCsv.Row> rows = rows("kcid,status,time\nk1,sold,\nk1,,tomorrow\n,approved,\nk1,PENDING,\n");
    // A status word the CLI does not know goes to the server, which maps it with the account's map.
    assertThat(ImportRow.of(rows.get(0), "acme").request().getStatusWord()).isEqualTo("sold");
    assertThat(ImportRow.of(rows.get(0), "acme").request().getStatus().name()).isEqualTo("CONVERSION_STATUS_UNSPECIFIED");
    assertThat(ImportRow.of(rows.get(1), "acme").message()).startsWith("time 'tomorrow'");
    assertThat(ImportRow.of(rows.get(2), "acme").reason()).isEqualTo("MISSING_PARAMETER");
    assertThat(ImportRow.of(rows.get(3), "acme").request().getStatus().name()).isEqualTo("CONVERSION_STATUS_PENDING");
  }
}
