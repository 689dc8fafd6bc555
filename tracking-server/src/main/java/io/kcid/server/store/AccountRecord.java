package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.Goal;
import java.util.Map;
import java.util.Optional;

/** An account as loaded in one read: settings, secrets and goals by key. */
public record AccountRecord(Account account, StoredSecrets secrets, Map<String, Goal> goals) {
  public AccountRecord {
    goals = Map.copyOf(goals);
  }

  public Optional<Goal> goal(String goalKey) {
    return Optional.ofNullable(goals.get(goalKey));
  }
}
