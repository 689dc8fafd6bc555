package io.kcid.client;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * An open {@code StreamConversions} call: the conversion events, in order per partition, as a
 * blocking iterator. {@link #hasNext()} waits for the next event; messages that only move the
 * cursor are passed over. {@link #cursor()} is the position after the last event returned: pass it
 * as {@code cursor} of a new stream to resume there. {@link #close()} ends the call (from any
 * thread; a waiting {@code hasNext()} then throws {@code CANCELLED}).
 *
 * <p>Failures are thrown as {@link KcidException}: {@code UNAVAILABLE} when the server ended the
 * stream (reconnect and resume), {@code STREAM_CURSOR_EXPIRED} when events after the cursor were
 * trimmed. The stream has no default deadline; it never ends on its own.
 */
public final class ConversionStream implements Iterator<ConversionEvent>, AutoCloseable {
  private final Context.CancellableContext context;
  private final Iterator<StreamConversionsResponse> responses;
  private String cursor;
  private StreamConversionsResponse pending;

  ConversionStream(
      String cursor, Function<Context.CancellableContext, Iterator<StreamConversionsResponse>> open) {
    this.cursor = cursor;
    this.context = Context.current().withCancellation();
    this.responses = Calls.call(() -> open.apply(context));
  }

  /** Waits for the next event; false when the server ended the stream without an error. */
  @Override
  public boolean hasNext() {
    try {
      while (pending == null) {
        if (!responses.hasNext()) {
          return false;
        }
        StreamConversionsResponse next = responses.next();
        if (next.hasEvent()) {
          pending = next;
        } else if (!next.getCursor().isEmpty()) {
          cursor = next.getCursor();
        }
      }
      return true;
    } catch (StatusRuntimeException e) {
      throw KcidException.from(e);
    }
  }

  @Override
  public ConversionEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the conversion stream ended");
    }
    StreamConversionsResponse next = pending;
    pending = null;
    if (!next.getCursor().isEmpty()) {
      cursor = next.getCursor();
    }
    return next.getEvent();
  }

  /**
   * The position after the last event {@link #next()} returned (the request's cursor before the
   * first); empty with a consumer group, which keeps its position in the store.
   */
  public String cursor() {
    return cursor;
  }

  /** Cancels the call. */
  @Override
  public void close() {
    context.cancel(null);
  }
}
