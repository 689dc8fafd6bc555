package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The postback log: every postback received, per account (plus one log for postbacks no account
 * could be found for), and per click for the attempts on it. Entries are kept for the log's
 * retention, by time. Implementations never block the caller.
 */
public interface PostbackLog {
  /** The log of postbacks with no account: pass as {@code accountId}. */
  String UNATTRIBUTED = "";

  /**
   * Appends an entry to its account's log (or the unattributed one) and, when {@code kcid} is a
   * well-formed kcid, to that click's attempts. Completes with the entry's log id.
   *
   * @param now the current time, which decides what falls out of the retention
   */
  CompletionStage<String> append(String accountId, Optional<DecodedKcid> kcid, PostbackLogEntry entry, Instant now);

  /**
   * Up to {@code count} entries of a log received in [start, end), newest first, strictly older
   * than the entry {@code beforeId} when given.
   */
  CompletionStage<Scan> scanBackward(String accountId, Instant start, Instant end, Optional<String> beforeId, int count);

  /**
   * Up to {@code count} entries of a log received in [start, end), oldest first, strictly newer
   * than the entry {@code afterId} when given.
   */
  CompletionStage<Scan> scanForward(String accountId, Instant start, Instant end, Optional<String> afterId, int count);

  /** The entries with these ids, in the same order; empty where there is none. */
  CompletionStage<List<Optional<PostbackLogEntry>>> get(String accountId, List<String> logIds);

  /**
   * The logged attempts on a click, newest first: its latest ones (bounded), as far as their logs
   * still hold them.
   */
  CompletionStage<List<PostbackLogEntry>> attempts(DecodedKcid kcid);

  /**
   * One read of a log.
   *
   * @param entries what was read, with their log ids
   * @param exhausted whether the range holds nothing beyond these entries
   */
  record Scan(List<PostbackLogEntry> entries, boolean exhausted) {}
}
