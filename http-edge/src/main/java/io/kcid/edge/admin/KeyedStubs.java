package io.kcid.edge.admin;

import io.grpc.Channel;
import io.grpc.stub.AbstractStub;
import io.kcid.edge.grpc.BackendAuth;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stubs whose calls carry one human's key as bearer, with the view's deadline: every read and every
 * action of the web view is the server's call to allow, with that key's roles and scope.
 */
final class KeyedStubs {
  private final Channel channel;
  private final Duration deadline;

  KeyedStubs(Channel channel, Duration deadline) {
    this.channel = channel;
    this.deadline = deadline;
  }

  Channel channel() {
    return channel;
  }

  /** {@code stub}'s calls, carrying {@code key}. */
  <S extends AbstractStub<S>> S withKey(S stub, String key) {
    return stub.withInterceptors(BackendAuth.bearer(key)).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }
}
