package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Partner;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Partners, the owners of accounts. Implementations never block the caller. */
public interface PartnerStore {

  /** Stores a new partner; {@code false} when the id is taken. */
  CompletionStage<Boolean> create(Partner partner);

  /** The partner, or empty. */
  CompletionStage<Optional<Partner>> load(String partnerId);

  /** Replaces an existing partner; {@code false} when there is none with this id. */
  CompletionStage<Boolean> update(Partner partner);

  /** Deletes the partner (record and listing); {@code false} when there was none. */
  CompletionStage<Boolean> delete(String partnerId);

  /**
   * Partners ordered by id, starting after {@code afterId} ("" for the first page): {@code limit}
   * of them unless the listing reached the last partner.
   */
  CompletionStage<List<Partner>> list(String afterId, int limit);
}
