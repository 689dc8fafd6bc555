package io.kcid.bench.load;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.function.Consumer;

/**
 * A unary gRPC call as cheap for the caller as grpc-java allows: {@link ClientCall} used directly
 * (no stub, future or interceptor per call), requests built before the run and cycled through,
 * headers copied from one prepared set, no deadline (a deadline is a timer scheduled and cancelled
 * per call). Meant for channels built with {@code directExecutor()}, so the answer is handled on
 * the transport's event loop. Issue #18 measured the earlier stub-and-future generator at ~40 µs of
 * CPU per no-op call against ~9 µs for this form: on a shared machine that difference is taken
 * from the server and pulls every ratio toward 1.
 */
public final class GrpcUnaryOp<Q, R> implements CallbackOp {
  private final List<Channel> channels;
  private final MethodDescriptor<Q, R> method;
  private final Object[] requests;
  private final Metadata headers;
  private final Consumer<R> onResponse;

  /**
   * @param channels calls go round-robin over them (one connection each)
   * @param requests operation {@code seq} sends {@code requests[seq % size]}
   * @param headers copied into every call's headers (e.g. the API key)
   * @param onResponse sees every successful answer (on the event loop: keep it short); may be null
   */
  public GrpcUnaryOp(List<? extends Channel> channels, MethodDescriptor<Q, R> method, List<Q> requests, Metadata headers,
      Consumer<R> onResponse) {
    if (channels.isEmpty() || requests.isEmpty()) {
      throw new IllegalArgumentException("at least one channel and one request");
    }
    this.channels = List.copyOf(channels);
    this.method = method;
    this.requests = requests.toArray();
    this.headers = headers;
    this.onResponse = onResponse;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void start(long seq, Completion done) {
    // The next call starts inside the previous one's onClose, where that call's context is
    // attached: started from there, every call's context would descend from the last one's, a
    // chain gRPC warns about (and keeps alive) past 1000 generations. Each call starts at the root.
    Context previous = Context.ROOT.attach();
    try {
      ClientCall<Q, R> call = channels.get((int) (seq % channels.size())).newCall(method, CallOptions.DEFAULT);
      Metadata callHeaders = new Metadata();
      callHeaders.merge(headers);
      call.start(new Answer<>(done, onResponse), callHeaders);
      call.request(1);
      call.sendMessage((Q) requests[(int) (seq % requests.length)]);
      call.halfClose();
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  /** The one answer of a unary call, then its status. */
  private static final class Answer<R> extends ClientCall.Listener<R> {
    private final Completion done;
    private final Consumer<R> onResponse;
    private R response;

    Answer(Completion done, Consumer<R> onResponse) {
      this.done = done;
      this.onResponse = onResponse;
    }

    @Override
    public void onMessage(R message) {
      response = message;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!status.isOk()) {
        done.completed(status.asRuntimeException(trailers));
      } else if (response == null) {
        done.completed(Status.INTERNAL.withDescription("no response message").asRuntimeException());
      } else {
        if (onResponse != null) {
          onResponse.accept(response);
        }
        done.completed(null);
      }
    }
  }
}
