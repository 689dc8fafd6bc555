package io.kcid.server.store;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The shared log of accounts whose click verifiers changed (created, click secret rotated, kcid
 * parameter changed). Every tracking-server appends to it and every tracking-server reads it, so a
 * watching edge learns a change made through any server.
 */
public interface VerifierChanges {

  /** Records that the account's click verifier changed. */
  CompletionStage<Void> publish(String accountId);

  /** The position of the newest change ("0-0" when there is none): reading after it yields only newer ones. */
  CompletionStage<String> tail();

  /** Changes after {@code position}, oldest first, at most {@code count}. */
  CompletionStage<Batch> after(String position, int count);

  /**
   * Changed account ids (repeats possible) and the position of the last one ({@code position}
   * itself when there were none).
   */
  record Batch(String position, List<String> accountIds) {}
}
