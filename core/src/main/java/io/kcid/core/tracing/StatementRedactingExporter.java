package io.kcid.core.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Drops database statements from spans before they leave the process. The Redis instrumentation
 * "sanitizes" a command by masking its values but keeps its keys, and kcid's keys hold account ids
 * and the body of a kcid ({@code kc:{9}:x:<kcid>}): secrets that must never reach a collector. The
 * span's name (the command, {@code EVALSHA}) and {@code db.system} stay.
 */
final class StatementRedactingExporter implements SpanExporter {
  /** The statement under its old and its current semantic-convention name. */
  static final Set<AttributeKey<String>> STATEMENTS =
      Set.of(AttributeKey.stringKey("db.statement"), AttributeKey.stringKey("db.query.text"));

  private final SpanExporter delegate;

  StatementRedactingExporter(SpanExporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    List<SpanData> redacted = new ArrayList<>(spans.size());
    for (SpanData span : spans) {
      redacted.add(hasStatement(span.getAttributes()) ? new Redacted(span) : span);
    }
    return delegate.export(redacted);
  }

  private static boolean hasStatement(Attributes attributes) {
    for (AttributeKey<String> key : STATEMENTS) {
      if (attributes.get(key) != null) {
        return true;
      }
    }
    return false;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  /** The span without its statement attributes (the total count is left as recorded). */
  private static final class Redacted extends DelegatingSpanData {
    private final Attributes attributes;

    Redacted(SpanData span) {
      super(span);
      this.attributes = span.getAttributes().toBuilder().removeIf(STATEMENTS::contains).build();
    }

    @Override
    public Attributes getAttributes() {
      return attributes;
    }
  }
}
