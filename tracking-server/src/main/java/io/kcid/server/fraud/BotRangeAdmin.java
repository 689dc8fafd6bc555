package io.kcid.server.fraud;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.BadRangeLine;
import io.kcid.proto.tracking.v1.BotRange;
import io.kcid.proto.tracking.v1.BotRangeKind;
import io.kcid.proto.tracking.v1.ClearBotRangesResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListBotRangesResponse;
import io.kcid.proto.tracking.v1.LoadBotRangesRequest;
import io.kcid.proto.tracking.v1.LoadBotRangesResponse;
import io.kcid.server.store.BotRangeStore;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Loads, lists and clears the operator's IP lists; a bad line is reported by number, the rest loads. */
public final class BotRangeAdmin {
  /** Lines per call: a large file is sent in parts. */
  public static final int MAX_LINES = 10_000;
  private static final int MAX_SHOWN = 120;

  private final BotRangeStore store;

  public BotRangeAdmin(BotRangeStore store) {
    this.store = store;
  }

  public CompletionStage<LoadBotRangesResponse> load(LoadBotRangesRequest request) {
    String kind = BotRangeKinds.name(request.getKind());
    if (request.getLinesCount() > MAX_LINES) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "At most " + MAX_LINES + " lines a call; send a large file in parts (first_line_number).",
          Map.of("field", "lines"));
    }
    int number = request.getFirstLineNumber() <= 0 ? 1 : request.getFirstLineNumber();
    Set<String> ranges = new LinkedHashSet<>();
    List<BadRangeLine> bad = new ArrayList<>();
    for (String line : request.getLinesList()) {
      int hash = line.indexOf('#');
      String entry = (hash < 0 ? line : line.substring(0, hash)).trim();
      if (!entry.isEmpty()) {
        try {
          ranges.add(IpRanges.canonical(entry));
        } catch (IllegalArgumentException e) {
          bad.add(BadRangeLine.newBuilder()
              .setLineNumber(number)
              .setText(entry.length() > MAX_SHOWN ? entry.substring(0, MAX_SHOWN) + "…" : entry)
              .setMessage(e.getMessage().length() > 2 * MAX_SHOWN ? e.getMessage().substring(0, 2 * MAX_SHOWN) : e.getMessage())
              .build());
        }
      }
      number++;
    }
    return store.add(kind, ranges).thenApply(added -> LoadBotRangesResponse.newBuilder()
        .setLoaded(Math.toIntExact(added))
        .addAllBadLines(bad)
        .build());
  }

  public CompletionStage<ListBotRangesResponse> list(BotRangeKind kind) {
    List<BotRangeKind> kinds = BotRangeKinds.covered(kind);
    List<CompletableFuture<List<BotRange>>> reads = new ArrayList<>();
    for (BotRangeKind k : kinds) {
      reads.add(store.list(BotRangeKinds.name(k)).toCompletableFuture()
          .thenApply(cidrs -> cidrs.stream().map(c -> BotRange.newBuilder().setKind(k).setCidr(c).build()).toList()));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(x -> {
      ListBotRangesResponse.Builder out = ListBotRangesResponse.newBuilder();
      reads.forEach(r -> out.addAllRanges(r.join()));
      return out.build();
    });
  }

  public CompletionStage<ClearBotRangesResponse> clear(BotRangeKind kind) {
    CompletionStage<Long> removed = CompletableFuture.completedFuture(0L);
    for (BotRangeKind k : BotRangeKinds.covered(kind)) {
      String name = BotRangeKinds.name(k);
      removed = removed.thenCompose(n -> store.clear(name).thenApply(m -> n + m));
    }
    return removed.thenApply(n -> ClearBotRangesResponse.newBuilder().setRemoved(Math.toIntExact(n)).build());
  }
}
