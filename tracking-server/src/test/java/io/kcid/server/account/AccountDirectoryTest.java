package io.kcid.server.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.Secrets;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.StoredSecrets;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Postback token authentication when the store answers, and when it does not. */
class AccountDirectoryTest {
  /** A store whose token index knows the token, and whose account read ends as given. */
  private static AccountStore store(Throwable loadFailure) {
    return (AccountStore) Proxy.newProxyInstance(AccountStore.class.getClassLoader(),
        new Class<?>[] {AccountStore.class}, (proxy, method, args) -> switch (method.getName()) {
          case "accountIdForToken", "accountIdForTokenDigest" -> CompletableFuture.completedFuture(Optional.of("acme"));
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

  /** A store holding one account whose current token digest can be changed (a rotation). */
  private static final class OneAccount {
    final AtomicReference<String> tokenDigest = new AtomicReference<>(Secrets.sha256Hex("pbt_old"));
    final AtomicInteger indexReads = new AtomicInteger();
    final AtomicInteger loads = new AtomicInteger();

    AccountStore store() {
      return (AccountStore) Proxy.newProxyInstance(AccountStore.class.getClassLoader(),
          new Class<?>[] {AccountStore.class}, (proxy, method, args) -> switch (method.getName()) {
            case "accountIdForTokenDigest" -> {
              indexReads.incrementAndGet();
              yield CompletableFuture.completedFuture(
                  args[0].equals(tokenDigest.get()) ? Optional.of("acme") : Optional.empty());
            }
            case "load" -> {
              loads.incrementAndGet();
              yield CompletableFuture.completedFuture(Optional.of(new AccountRecord(
                  Account.newBuilder().setAccountId("acme").build(),
                  new StoredSecrets(tokenDigest.get(), null, null, "c", null, null, "s", null, null), Map.of())));
            }
            default -> throw new UnsupportedOperationException(method.getName());
          });
    }
  }

  private static final class SettableClock extends Clock {
    long millis = 1_800_000_000_000L;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  private static ErrorReason reasonOf(AccountDirectory directory, String token) {
    Throwable failure = catchThrowable(() -> directory.authenticate(token).toCompletableFuture().join());
    assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(KcidException.class);
    return ((KcidException) failure.getCause()).reason();
  }

  @Test
  void aTokenThatAuthenticatedIsResolvedWithoutTheIndexWhileItsAccountIsCached() {
    OneAccount one = new OneAccount();
    AccountDirectory directory = new AccountDirectory(one.store(), new SettableClock(), Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      assertThat(directory.authenticate("pbt_old").toCompletableFuture().join().account().getAccountId())
          .isEqualTo("acme");
    }
    assertThat(one.indexReads).hasValue(1);
    assertThat(one.loads).hasValue(1);
  }

  @Test
  void aRotatedOutTokenStopsWorkingOnceTheAccountCopyExpiresEvenThoughItsOwnerWasRemembered() {
    OneAccount one = new OneAccount();
    SettableClock clock = new SettableClock();
    AccountDirectory directory = new AccountDirectory(one.store(), clock, Duration.ofSeconds(1));
    directory.authenticate("pbt_old").toCompletableFuture().join();
    one.tokenDigest.set(Secrets.sha256Hex("pbt_new")); // rotated elsewhere, without a grace period
    clock.millis += 1_001;
    assertThat(reasonOf(directory, "pbt_old")).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
    assertThat(directory.authenticate("pbt_new").toCompletableFuture().join().account().getAccountId())
        .isEqualTo("acme");
  }

  @Test
  void aChangeMadeHereForgetsTheAccountsTokensAtOnce() {
    OneAccount one = new OneAccount();
    AccountDirectory directory = new AccountDirectory(one.store(), new SettableClock(), Duration.ofSeconds(1));
    directory.authenticate("pbt_old").toCompletableFuture().join();
    one.tokenDigest.set(Secrets.sha256Hex("pbt_new"));
    directory.invalidate("acme");
    assertThat(reasonOf(directory, "pbt_old")).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
  }

  @Test
  void anUnknownTokenIsNeverRemembered() {
    OneAccount one = new OneAccount();
    AccountDirectory directory = new AccountDirectory(one.store(), new SettableClock(), Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) {
      assertThat(reasonOf(directory, "pbt_guess")).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
    }
    assertThat(one.indexReads).hasValue(3);
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
