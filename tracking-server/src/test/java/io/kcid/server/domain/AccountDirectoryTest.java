package io.kcid.server.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.store.AccountStore;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Postback token authentication when the store answers, and when it does not. */
class AccountDirectoryTest {
  /** A store whose token index knows the token, and whose account read ends as given. */
  private static AccountStore store(Throwable loadFailure) {
    return (AccountStore) Proxy.newProxyInstance(AccountStore.class.getClassLoader(),
        new Class<?>[] {AccountStore.class}, (proxy, method, args) -> switch (method.getName()) {
          case "accountIdForToken" -> CompletableFuture.completedFuture(Optional.of("acme"));
          case "load" -> loadFailure == null
              ? CompletableFuture.completedFuture(Optional.empty())
              : CompletableFuture.failedFuture(loadFailure);
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static ErrorReason reasonOf(AccountStore store) {
    Throwable failure = catchThrowable(() -> new AccountDirectory(store, Clock.systemUTC(), Duration.ZERO)
        .authenticate("pbt_token").toCompletableFuture().join());
    assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(KcidException.class);
    return ((KcidException) failure.getCause()).reason();
  }

  @Test
  void aTokenWhoseAccountIsGoneIsAnInvalidToken() {
    assertThat(reasonOf(store(null))).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
  }

  @Test
  void aStoreThatCannotReadTheAccountIsAnUnknownOutcomeNotARejection() {
    // A 401 would make the sender drop the conversion; 503 makes it retry.
    KcidException outage = new KcidException(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "down");
    assertThat(reasonOf(store(outage))).isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
  }
}
