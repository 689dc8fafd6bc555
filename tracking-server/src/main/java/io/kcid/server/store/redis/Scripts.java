package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.ScriptParam.Slot.ARG;
import static io.kcid.server.store.redis.ScriptParam.Slot.ARGS;
import static io.kcid.server.store.redis.ScriptParam.Slot.KEY;
import static io.kcid.server.store.redis.ScriptParam.Slot.KEYS;

import java.util.List;

/**
 * Every Lua script the store runs (src/main/resources/lua): its file, the libraries prepended to
 * it, and the names of its KEYS and ARGV in order (what the script's {@code -- KEYS:} and {@code
 * -- ARGV:} header lines say; {@code LuaScriptContractsTest} holds both sides to each other).
 */
final class Scripts {
  /** A script file, the libraries prepended to it (lib_*.lua, in order) and its contract. */
  record Script<P extends Enum<P> & ScriptParam>(String file, List<String> libraries, Class<P> contract) {}

  static final Script<CapChange> CAP_CHANGE =
      new Script<>("cap_change.lua", List.of(), CapChange.class);
  static final Script<CapFence> CAP_FENCE =
      new Script<>("cap_fence.lua", List.of(), CapFence.class);
  static final Script<CapReserve> CAP_RESERVE =
      new Script<>("cap_reserve.lua", List.of(), CapReserve.class);
  static final Script<AppendPostbackLog> APPEND_POSTBACK_LOG =
      new Script<>("append_postback_log.lua", List.of(), AppendPostbackLog.class);
  static final Script<ClaimDeliveries> CLAIM_DELIVERIES =
      new Script<>("claim_deliveries.lua", List.of("lib_deliveries.lua"), ClaimDeliveries.class);
  static final Script<CompactStats> COMPACT_STATS =
      new Script<>("compact_stats.lua", List.of(), CompactStats.class);
  static final Script<ClaimTransaction> CLAIM_TRANSACTION =
      new Script<>("claim_transaction.lua", List.of(), ClaimTransaction.class);
  static final Script<CountVelocity> COUNT_VELOCITY =
      new Script<>("count_velocity.lua", List.of(), CountVelocity.class);
  static final Script<CountRefusals> COUNT_REFUSALS =
      new Script<>("count_refusals.lua", List.of(), CountRefusals.class);
  static final Script<CreateAccount> CREATE_ACCOUNT =
      new Script<>("create_account.lua", List.of(), CreateAccount.class);
  static final Script<DeleteClick> DELETE_CLICK =
      new Script<>("delete_click.lua", List.of("lib_clicks.lua"), DeleteClick.class);
  static final Script<EnqueueDeliveries> ENQUEUE_DELIVERIES =
      new Script<>("enqueue_deliveries.lua", List.of("lib_deliveries.lua"), EnqueueDeliveries.class);
  static final Script<FinishDeliveries> FINISH_DELIVERIES =
      new Script<>("finish_deliveries.lua", List.of("lib_deliveries.lua"), FinishDeliveries.class);
  static final Script<FindClicks> FIND_CLICKS =
      new Script<>("find_clicks.lua", List.of("lib_clicks.lua"), FindClicks.class);
  static final Script<InsertClicks> INSERT_CLICKS =
      new Script<>("insert_clicks.lua", List.of("lib_stats.lua", "lib_clicks.lua"), InsertClicks.class);
  static final Script<PushClickAttempts> PUSH_CLICK_ATTEMPTS =
      new Script<>("push_click_attempts.lua", List.of(), PushClickAttempts.class);
  static final Script<ReadStats> READ_STATS =
      new Script<>("read_stats.lua", List.of(), ReadStats.class);
  static final Script<ReadConversions> READ_CONVERSIONS =
      new Script<>("read_conversions.lua", List.of(), ReadConversions.class);
  static final Script<RecordConversion> RECORD_CONVERSION =
      new Script<>("record_conversion.lua", List.of("lib_stats.lua", "lib_clicks.lua", "lib_conversions.lua"),
          RecordConversion.class);
  static final Script<ReleaseSignature> RELEASE_SIGNATURE =
      new Script<>("release_signature.lua", List.of(), ReleaseSignature.class);
  static final Script<SettleFx> SETTLE_FX =
      new Script<>("settle_fx.lua", List.of("lib_conversions.lua"), SettleFx.class);
  static final Script<RequeueDelivery> REQUEUE_DELIVERY =
      new Script<>("requeue_delivery.lua", List.of(), RequeueDelivery.class);
  static final Script<RotateSecret> ROTATE_SECRET =
      new Script<>("rotate_secret.lua", List.of(), RotateSecret.class);
  static final Script<StreamTail> STREAM_TAIL =
      new Script<>("stream_tail.lua", List.of(), StreamTail.class);
  static final Script<UpdateStatus> UPDATE_STATUS =
      new Script<>("update_status.lua", List.of("lib_stats.lua", "lib_conversions.lua"), UpdateStatus.class);
  static final Script<PutDestination> PUT_DESTINATION =
      new Script<>("put_destination.lua", List.of(), PutDestination.class);
  static final Script<RotateDestinationSecret> ROTATE_DESTINATION_SECRET =
      new Script<>("rotate_destination_secret.lua", List.of(), RotateDestinationSecret.class);

  /** Every script: each file under lua/ but the libraries has exactly one entry. */
  static final List<Script<?>> ALL = List.of(
      APPEND_POSTBACK_LOG,
      CAP_CHANGE,
      CAP_FENCE,
      CAP_RESERVE,
      CLAIM_DELIVERIES,
      CLAIM_TRANSACTION,
      COMPACT_STATS,
      COUNT_REFUSALS,
      COUNT_VELOCITY,
      CREATE_ACCOUNT,
      DELETE_CLICK,
      ENQUEUE_DELIVERIES,
      FINISH_DELIVERIES,
      FIND_CLICKS,
      INSERT_CLICKS,
      PUSH_CLICK_ATTEMPTS,
      READ_CONVERSIONS,
      READ_STATS,
      RECORD_CONVERSION,
      RELEASE_SIGNATURE,
      SETTLE_FX,
      REQUEUE_DELIVERY,
      ROTATE_SECRET,
      STREAM_TAIL,
      UPDATE_STATUS,
      PUT_DESTINATION,
      ROTATE_DESTINATION_SECRET);

  private Scripts() {}

  /** append_postback_log.lua: Entries appended to a postback log stream (the log and the refusal samples). */
  enum AppendPostbackLog implements ScriptParam {
    LOG(KEY),
    MIN_ID(ARG),
    MAX_LENGTH(ARG),
    TTL_MS(ARG),
    ENTRIES(ARGS);

    private final Slot slot;

    AppendPostbackLog(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** claim_transaction.lua: The account-wide claim of a transaction id: claim, release, settle or drop. */
  enum ClaimTransaction implements ScriptParam {
    CLAIM(KEY),
    OP(ARG),
    KCID(ARG),
    TTL_MS(ARG),
    CONVERSION_ID(ARG);

    private final Slot slot;

    ClaimTransaction(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** count_refusals.lua: A batch of refusal counts added to a counter hash: field, increment, field, increment, ... */
  enum CountRefusals implements ScriptParam {
    COUNTS(KEY),
    TTL_MS(ARG),
    OLDEST_HOUR(ARG),
    INCREMENTS(ARGS);

    private final Slot slot;

    CountRefusals(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** create_account.lua: An account created with its secrets and first goal. */
  enum CreateAccount implements ScriptParam {
    ACCOUNT(KEY),
    SECRETS(KEY),
    GOALS(KEY),
    ACCOUNT_PB(ARG),
    CLICK_SECRET(ARG),
    TOKEN_SHA256(ARG),
    GOAL_KEY(ARG),
    GOAL_PB(ARG),
    SIGNING_SECRET(ARG);

    private final Slot slot;

    CreateAccount(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** delete_click.lua: A click erased with every key derived from it in its partition. */
  enum DeleteClick implements ScriptParam {
    CLICK_GROUP(KEY),
    CLICK_STATE(KEY),
    STREAM(KEY),
    LEGACY_ATTEMPTS(KEY),
    SLOT_GUARD(KEY),
    LEGACY_CONVERSION_PREFIX(ARG),
    HISTORY_PREFIX(ARG),
    REQUEST_PREFIX(ARG),
    CLICK_FIELD(ARG);

    private final Slot slot;

    DeleteClick(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** find_clicks.lua: Clicks of one partition read in one call. */
  enum FindClicks implements ScriptParam {
    SLOT_GUARD(KEY),
    GROUPS(KEYS),
    CLICKS(ARGS);

    private final Slot slot;

    FindClicks(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** compact_stats.lua: Past hours' stats hashes listed as hot rewritten as compact hashes. */
  enum CompactStats implements ScriptParam {
    HOT_STATS(KEY),
    HASHES(KEYS);

    private final Slot slot;

    CompactStats(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** insert_clicks.lua: New clicks of one partition stored and counted in their hour's stats. */
  enum InsertClicks implements ScriptParam {
    SLOT_GUARD(KEY),
    HOT_STATS(KEY),
    HASHES(KEYS),
    BUCKET_CAPACITY(ARG),
    CLICKS(ARGS);

    private final Slot slot;

    InsertClicks(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** push_click_attempts.lua: Postback attempts prepended to their clicks' attempts (one partition). */
  enum PushClickAttempts implements ScriptParam {
    CLICK_STATES(KEYS),
    KEPT(ARG),
    TTL_MS(ARG),
    POINTERS(ARGS);

    private final Slot slot;

    PushClickAttempts(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /**
   * read_stats.lua: The stats (or dimension) hashes of one partition summed: one period index per
   * hash, then the dimensions kept and the filters.
   */
  enum ReadStats implements ScriptParam {
    STATS(KEYS),
    PERIOD(ARGS),
    DIMENSIONS(ARG),
    CAMPAIGN_FILTER(ARG),
    DETAIL_FILTER(ARG),
    GOAL_FILTER(ARG);

    private final Slot slot;

    ReadStats(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** record_conversion.lua: One postback recorded (or, dry run, evaluated). */
  enum RecordConversion implements ScriptParam {
    CLICK_GROUP(KEY),
    CLICK_STATE(KEY),
    REQUEST(KEY),
    STREAM(KEY),
    STATS(KEY),
    STREAM_SEQUENCE(KEY),
    OUTBOX(KEY),
    DIMENSIONS(KEY),
    HOT_STATS(KEY),
    ACCOUNT_ID(ARG),
    GOAL_KEY(ARG),
    COUNTING_MODE(ARG),
    TRANSACTION_ID(ARG),
    FINGERPRINT(ARG),
    PAYLOAD(ARG),
    CONVERSION_TTL_MS(ARG),
    REQUEST_TTL_MS(ARG),
    STREAM_MAX_LENGTH(ARG),
    RECORD_TIME_MS(ARG),
    LEGACY_CONVERSION_PREFIX(ARG),
    CONVERSION_ID_PREFIX(ARG),
    HAS_REQUEST(ARG),
    CAMPAIGNS(ARG),
    REQUESTED_STATUS(ARG),
    NEW_STATUS(ARG),
    AMOUNT(ARG),
    CURRENCY(ARG),
    HISTORY_PREFIX(ARG),
    TRANSITION_SOURCES(ARG),
    TEST(ARG),
    REQUEST_ID(ARG),
    DRY_RUN(ARG),
    TTC_BUCKET(ARG),
    STATS_EXPIRE_AT_MS(ARG),
    CLICK_FIELD(ARG),
    ISSUE_TIME_S(ARG),
    FLAGGED_STATUS(ARG),
    WRITE_OUTBOX(ARG),
    CAP_TOKEN(ARG),
    CAPPED(ARG);

    private final Slot slot;

    RecordConversion(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** release_signature.lua: A used-signature claim dropped if it is still ours. */
  enum ReleaseSignature implements ScriptParam {
    SIGNATURE(KEY),
    VALUE(ARG);

    private final Slot slot;

    ReleaseSignature(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** read_conversions.lua: Conversions of one partition read in one call. */
  enum ReadConversions implements ScriptParam {
    READ_KEYS(KEYS),
    CONVERSIONS(ARGS);

    private final Slot slot;

    ReadConversions(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** settle_fx.lua: The rate a conversion was converted at read, stored with it once. */
  enum SettleFx implements ScriptParam {
    CLICK_STATE(KEY),
    LEGACY_CONVERSION(KEY),
    FX(ARG),
    SEQUENCE(ARG);

    private final Slot slot;

    SettleFx(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** rotate_secret.lua: One secret of an account replaced, the previous one kept until a deadline. */
  enum RotateSecret implements ScriptParam {
    SECRETS(KEY),
    FIELD(ARG),
    VALUE(ARG),
    PREVIOUS_EXPIRE_AT_MS(ARG);

    private final Slot slot;

    RotateSecret(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** stream_tail.lua: The newest entry id of a partition's stream with its sequence number. */
  enum StreamTail implements ScriptParam {
    STREAM(KEY),
    STREAM_SEQUENCE(KEY);

    private final Slot slot;

    StreamTail(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** update_status.lua: One conversion moved to another status and/or value. */
  enum UpdateStatus implements ScriptParam {
    LEGACY_CONVERSION(KEY),
    HISTORY(KEY),
    REQUEST(KEY),
    STREAM(KEY),
    CLICK_STATE(KEY),
    STREAM_SEQUENCE(KEY),
    OUTBOX(KEY),
    NEW_STATUS(ARG),
    ALLOWED_SOURCES(ARG),
    REASON(ARG),
    TIME_MS(ARG),
    AMOUNT(ARG),
    CURRENCY(ARG),
    HAS_REQUEST(ARG),
    FINGERPRINT(ARG),
    REQUEST_TTL_MS(ARG),
    CONVERSION_ID(ARG),
    STREAM_MAX_LENGTH(ARG),
    REQUEST_ID(ARG),
    ACCOUNT_ID(ARG),
    GOAL_KEY(ARG),
    WRITE_OUTBOX(ARG),
    SEQUENCE(ARG),
    STATS_PREFIX(ARG),
    DIMENSIONS_PREFIX(ARG);

    private final Slot slot;

    UpdateStatus(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** count_velocity.lua: Conversions within a minute from clicks of one network, counted once each. */
  enum CountVelocity implements ScriptParam {
    WINDOW(KEY),
    MEMBER(ARG),
    NOW_MS(ARG),
    WINDOW_MS(ARG);

    private final Slot slot;

    CountVelocity(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** put_destination.lua: A destination created (id free, with its first secret) or replaced (id stored). */
  enum PutDestination implements ScriptParam {
    DESTINATIONS(KEY),
    SECRETS(KEY),
    DESTINATION_ID(ARG),
    RECORD(ARG),
    MODE(ARG),
    SECRET(ARG);

    private final Slot slot;

    PutDestination(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** rotate_destination_secret.lua: A webhook destination's new secret, the previous one kept until a deadline. */
  enum RotateDestinationSecret implements ScriptParam {
    DESTINATIONS(KEY),
    SECRETS(KEY),
    DESTINATION_ID(ARG),
    RECORD(ARG),
    SECRET(ARG),
    PREVIOUS_EXPIRE_AT_MS(ARG);

    private final Slot slot;

    RotateDestinationSecret(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** claim_deliveries.lua: The due delivery jobs of a partition claimed for a lease. */
  enum ClaimDeliveries implements ScriptParam {
    INDEX(KEY),
    NOW_MS(ARG),
    LEASE_UNTIL_MS(ARG),
    LIMIT(ARG),
    JOB_PREFIX(ARG),
    QUEUE_PREFIX(ARG),
    DEFAULT_BUDGET(ARG),
    BUDGETS(ARG);

    private final Slot slot;

    ClaimDeliveries(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** enqueue_deliveries.lua: Delivery jobs created for dispatched outbox entries, idempotently. */
  enum EnqueueDeliveries implements ScriptParam {
    INDEX(KEY),
    JOB_PREFIX(ARG),
    QUEUE_PREFIX(ARG),
    LEASE_UNTIL_MS(ARG),
    DEFAULT_BUDGET(ARG),
    BUDGETS(ARG),
    JOBS(ARGS);

    private final Slot slot;

    EnqueueDeliveries(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** finish_deliveries.lua: Attempts of a batch of delivery jobs (of one or more partitions) recorded and the jobs moved on. */
  enum FinishDeliveries implements ScriptParam {
    PARTITION_KEYS(KEYS),
    ATTEMPTS_KEPT(ARG),
    GROUP(ARG),
    PARTITIONS(ARGS);

    private final Slot slot;

    FinishDeliveries(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** requeue_delivery.lua: A finished delivery job queued again under its delivery id. */
  enum RequeueDelivery implements ScriptParam {
    JOB(KEY),
    ATTEMPTS(KEY),
    INDEX(KEY),
    DELIVERY_ID(ARG),
    STATES(ARG),
    NOW_MS(ARG),
    QUEUE_PREFIX(ARG);

    private final Slot slot;

    RequeueDelivery(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** cap_reserve.lua: A conversion's place under the account's caps, or the cap it is over. */
  enum CapReserve implements ScriptParam {
    RESERVATION(KEY),
    COUNTERS(KEYS),
    TOKEN(ARG),
    TTL_MS(ARG),
    CHARGES(ARGS);

    private final Slot slot;

    CapReserve(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** cap_fence.lua: Settles or releases a cap reservation once the record's outcome is known. */
  enum CapFence implements ScriptParam {
    RESERVATION(KEY),
    OPERATION(ARG),
    TOKEN(ARG);

    private final Slot slot;

    CapFence(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }

  /** cap_change.lua: Changes one cap (compare-and-set) and audits the change in one step. */
  enum CapChange implements ScriptParam {
    CAPS(KEY),
    AUDIT(KEY),
    COUNTERS(KEY),
    CAP_ID(ARG),
    EXPECTED(ARG),
    REPLACEMENT(ARG),
    CHANGE(ARG),
    AUDIT_LENGTH(ARG);

    private final Slot slot;

    CapChange(Slot slot) {
      this.slot = slot;
    }

    @Override
    public Slot slot() {
      return slot;
    }
  }
}
