package io.kcid.server.click;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ClickSecret;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.StoredSecrets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pages of every account's click-URL verification material, for HTTP edges that keep redirecting
 * signed clicks while no tracking-server answers. Read from the store (never from a cache), so a
 * rotation is visible on the edge's next refresh.
 */
public final class ClickVerifierListing {
  static final int DEFAULT_PAGE = 500;
  static final int MAX_PAGE = 1000;

  private final AccountStore store;
  private final Clock clock;
  private final int partitions;

  public ClickVerifierListing(AccountStore store, Clock clock, int partitions) {
    this.store = store;
    this.clock = clock;
    this.partitions = partitions;
  }

  /** One page, ordered by account id; the page token is the last account id of the previous page. */
  public CompletionStage<ListClickVerifiersResponse> page(ListClickVerifiersRequest request) {
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
    return store
        .list(request.getPageToken(), size)
        .thenCompose(
            accounts -> {
              List<CompletableFuture<Optional<AccountRecord>>> loads =
                  accounts.stream().map(a -> store.load(a.getAccountId()).toCompletableFuture()).toList();
              return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new))
                  .thenApply(
                      x -> {
                        Instant now = clock.instant();
                        ListClickVerifiersResponse.Builder response =
                            ListClickVerifiersResponse.newBuilder().setPartitions(partitions);
                        for (CompletableFuture<Optional<AccountRecord>> load : loads) {
                          load.join().ifPresent(record -> response.addVerifiers(verifier(record, now)));
                        }
                        if (accounts.size() == size) {
                          response.setNextPageToken(accounts.get(size - 1).getAccountId());
                        }
                        return response.build();
                      });
            });
  }

  /** One account's verifier: its kcid parameter and the click secrets valid at {@code now}. */
  public static ClickVerifier verifier(AccountRecord record, Instant now) {
    Account account = record.account();
    StoredSecrets secrets = record.secrets();
    ClickVerifier.Builder verifier =
        ClickVerifier.newBuilder()
            .setAccountId(account.getAccountId())
            .setPartnerId(Partners.partnerOf(account))
            .setKcidParameter(account.getKcidParameter());
    if (secrets.clickSecret() != null && !secrets.clickSecret().isEmpty()) {
      verifier.addSecrets(ClickSecret.newBuilder().setSecret(secrets.clickSecret()));
    }
    Instant previousExpiry = secrets.previousClickSecretExpiry();
    if (secrets.previousClickSecret() != null
        && !secrets.previousClickSecret().isEmpty()
        && previousExpiry != null
        && now.isBefore(previousExpiry)) {
      verifier.addSecrets(
          ClickSecret.newBuilder()
              .setSecret(secrets.previousClickSecret())
              .setExpireTime(
                  Timestamp.newBuilder()
                      .setSeconds(previousExpiry.getEpochSecond())
                      .setNanos(previousExpiry.getNano())));
    }
    return verifier.build();
  }
}
