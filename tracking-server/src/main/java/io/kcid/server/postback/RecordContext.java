package io.kcid.server.postback;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import java.time.Instant;
import java.util.Optional;

/**
 * One run of {@code ConversionRecorder}: how it runs (a postback, a replay, a dry run) and what it
 * learned on the way that the answer itself does not carry — which account the postback was
 * attributed to, and whether its request id was a retry. The postback log reads it.
 */
public final class RecordContext {
  private final Instant receiveTime;
  private final String replayOf;
  private final boolean dryRun;
  private volatile String accountId = "";
  private volatile String authenticatedAccount = "";
  private volatile boolean repeatedRequest;
  private volatile DecodedKcid kcid;
  private volatile boolean authenticated;
  private volatile KcidException diagnosis;

  private RecordContext(Instant receiveTime, String replayOf, boolean dryRun) {
    this.receiveTime = receiveTime;
    this.replayOf = replayOf;
    this.dryRun = dryRun;
  }

  /** A postback received now. */
  public static RecordContext postback(Instant receiveTime) {
    return new RecordContext(receiveTime, "", false);
  }

  /** A replay of the logged postback {@code logId}; a dry run writes nothing. */
  public static RecordContext replay(Instant now, String logId, boolean dryRun) {
    return new RecordContext(now, logId, dryRun);
  }

  public Instant receiveTime() {
    return receiveTime;
  }

  /** The log id this run replays; empty for a postback. */
  public String replayOf() {
    return replayOf;
  }

  public boolean dryRun() {
    return dryRun;
  }

  /** The account whose rules applied; empty until (unless) one was found. */
  public String accountId() {
    return accountId;
  }

  /**
   * The account whose credentials the postback proved (or that a trusted caller acted for); empty
   * unless authentication succeeded. Differs from {@link #accountId()} when the account was
   * found (by its click) but the credentials were refused.
   */
  public String authenticatedAccount() {
    return authenticatedAccount;
  }

  /** Whether the answer repeats an earlier call with the same request id. */
  public boolean repeatedRequest() {
    return repeatedRequest;
  }

  /** The postback's kcid once the recorder has verified it; empty if it never got that far. */
  public Optional<DecodedKcid> kcid() {
    return Optional.ofNullable(kcid);
  }

  /**
   * Whether the sender proved to be the account: every credential check passed, or a trusted gRPC
   * caller sent it. Only postbacks logged as authenticated are ever replayed.
   */
  public boolean authenticated() {
    return authenticated;
  }

  /**
   * The precise refusal when the sender was answered generically (a refusal about who sent the
   * postback, told to a sender that did not prove to be the account); for the account's log only.
   */
  public Optional<KcidException> diagnosis() {
    return Optional.ofNullable(diagnosis);
  }

  void authenticatedAs(String account) {
    this.accountId = account;
    this.authenticatedAccount = account;
    this.authenticated = true;
  }

  void diagnosed(KcidException precise) {
    this.diagnosis = precise;
  }

  public void verified(DecodedKcid decoded) {
    this.kcid = decoded;
  }

  void attribute(String account) {
    this.accountId = account;
  }

  public void markRepeated() {
    this.repeatedRequest = true;
  }
}
