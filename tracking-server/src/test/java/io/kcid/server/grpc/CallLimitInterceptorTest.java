package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.testing.TestServers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallLimitInterceptorTest {
  /** A call that records how it was closed. */
  private static final class RecordingCall<Q, A> extends ServerCall<Q, A> {
    private final MethodDescriptor<Q, A> method;
    Status closedWith;
    Metadata trailers;

    RecordingCall(MethodDescriptor<Q, A> method) {
      this.method = method;
    }

    @Override public void request(int numMessages) {}
    @Override public void sendHeaders(Metadata headers) {}
    @Override public void sendMessage(A message) {}
    @Override public void close(Status status, Metadata trailers) {
      this.closedWith = status;
      this.trailers = trailers;
    }
    @Override public boolean isCancelled() {
      return false;
    }
    @Override public MethodDescriptor<Q, A> getMethodDescriptor() {
      return method;
    }
    @Override public Attributes getAttributes() {
      return Attributes.EMPTY;
    }
  }

  @Test
  void callsPastTheBoundAreRefusedUntilOneFinishes() {
    CallLimitInterceptor limit = new CallLimitInterceptor(2);
    List<ServerCall<?, ?>> started = new ArrayList<>();
    ServerCallHandler<Object, Object> handler = (call, headers) -> {
      started.add(call);
      return new ServerCall.Listener<>() {};
    };
    @SuppressWarnings("unchecked")
    MethodDescriptor<Object, Object> method = (MethodDescriptor<Object, Object>) (MethodDescriptor<?, ?>) ClickServiceGrpc.getIssueClickMethod();

    var first = new RecordingCall<>(method);
    var second = new RecordingCall<>(method);
    var third = new RecordingCall<>(method);
    limit.interceptCall(first, new Metadata(), handler);
    var secondListener = limit.interceptCall(second, new Metadata(), handler);
    limit.interceptCall(third, new Metadata(), handler);

    assertThat(started).hasSize(2);
    assertThat(third.closedWith.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(TestServers.reasonOf(third.closedWith.asRuntimeException(third.trailers)))
        .isEqualTo(ErrorReason.ERROR_REASON_RATE_LIMITED);
    assertThat(limit.inFlight()).isEqualTo(2);

    // One answered, one cancelled: both free their place, exactly once.
    started.get(0).close(Status.OK, new Metadata());
    secondListener.onCancel();
    secondListener.onComplete();
    assertThat(limit.inFlight()).isZero();
    var fourth = new RecordingCall<>(method);
    limit.interceptCall(fourth, new Metadata(), handler);
    assertThat(fourth.closedWith).isNull();
    assertThat(started).hasSize(3);
  }
}
