package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ApiKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** API keys of gRPC callers, stored by name with the SHA-256 digest of their secret (never the secret). */
public interface ApiKeyStore {

  /** A stored key: the hex SHA-256 digest of its secret and what it may do. */
  record StoredApiKey(String digest, ApiKey key) {}

  /** Adds a key; {@code false} when the name is taken. */
  CompletionStage<Boolean> create(StoredApiKey key);

  /** Every stored key. Keys are few (one per calling system), so they are read at once. */
  CompletionStage<List<StoredApiKey>> list();

  /** Removes the key with this name; {@code false} when there is none. */
  CompletionStage<Boolean> revoke(String name);
}
