package io.kcid.server.postback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.kcid.core.KcidException;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.PartnerStore;
import io.kcid.server.store.StoredSecrets;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The server refuses a signature over an empty payload itself, whoever forwarded it. */
class SignedPayloadAuthenticationTest {
  private static final String SECRET = "pbs_test-signing-secret";

  private static PostbackAuthenticator authenticator() {
    AccountRecord acme = new AccountRecord(
        Account.newBuilder().setAccountId("acme")
            .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE))
            .build(),
        new StoredSecrets(null, null, null, "c", null, null, SECRET, null, null), Map.of());
    AccountStore store = (AccountStore) Proxy.newProxyInstance(AccountStore.class.getClassLoader(),
        new Class<?>[] {AccountStore.class}, (proxy, method, args) -> switch (method.getName()) {
          case "load" -> CompletableFuture.completedFuture(Optional.of(acme));
          default -> throw new UnsupportedOperationException(method.getName());
        });
    PartnerStore partners = (PartnerStore) Proxy.newProxyInstance(PartnerStore.class.getClassLoader(),
        new Class<?>[] {PartnerStore.class}, (proxy, method, args) -> switch (method.getName()) {
          case "load" -> CompletableFuture.completedFuture(Optional.of(Partners.defaultPartner(Instant.now())));
          default -> throw new UnsupportedOperationException(method.getName());
        });
    return new PostbackAuthenticator(new AccountDirectory(store, Clock.systemUTC(), Duration.ofMinutes(1)),
        new PartnerDirectory(partners, Clock.systemUTC(), Duration.ofMinutes(1)), null, Clock.systemUTC());
  }

  private static Throwable authenticate(PostbackCredentials credentials) {
    RecordConversionRequest request =
        RecordConversionRequest.newBuilder().setKcid("K").setAccountId("acme").setCredentials(credentials).build();
    return catchThrowable(() -> authenticator()
        .authenticate(request, null, RecordContext.postback(Instant.now())).toCompletableFuture().join());
  }

  @Test
  void aSignatureOverAnEmptyBodyOrQueryIsRefusedEvenWhenItVerifies() {
    long t = Instant.now().getEpochSecond();
    String overNothing = PostbackSigner.sign(SECRET, t, new byte[0]);
    for (PostbackCredentials credentials : new PostbackCredentials[] {
        PostbackCredentials.newBuilder().setSignature(overNothing).setSignatureTimestamp(t).build(),
        PostbackCredentials.newBuilder().setSignature(overNothing).setSignatureTimestamp(t).putSignedQuery("goal", "").build()}) {
      Throwable failure = authenticate(credentials);
      assertThat(failure).isInstanceOf(CompletionException.class).cause().isInstanceOf(KcidException.class);
      assertThat(((KcidException) failure.getCause()).reason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_SIGNED_PAYLOAD_EMPTY);
    }
  }

  @Test
  void aSignatureOverTheBodyStillAuthenticates() {
    long t = Instant.now().getEpochSecond();
    byte[] body = "{\"kcid\":\"K\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(authenticate(PostbackCredentials.newBuilder().setSignature(PostbackSigner.sign(SECRET, t, body))
        .setSignatureTimestamp(t).setSignedBody(ByteString.copyFrom(body)).build())).isNull();
  }
}
