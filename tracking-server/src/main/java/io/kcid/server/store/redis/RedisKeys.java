package io.kcid.server.store.redis;

import java.nio.charset.StandardCharsets;

/**
 * The keyspace, in one place. Everything about a click lives under its partition's hash tag
 * {@code {p}} so that one Lua script can touch the click, its dedupe state, its conversions and
 * the partition's stream atomically, on a single node and on a Cluster alike. Account data lives
 * under the account's own tag {@code {a:<id>}}.
 *
 * <pre>
 * kc:{p}:k:&lt;hour&gt;               clicks issued in that hour (unix hours), a linear hash table: this
 *                                header hash (l, s, n, e, k, x, c&lt;ref&gt; = interned contexts) and
 *                                buckets kc:{p}:k:&lt;hour&gt;:&lt;b&gt;, whose fields are the kcids' 8 random
 *                                bytes and values the click records (lifetime, context or its
 *                                reference, sub ids); see lib_clicks.lua. TTL = end of the hour + the
 *                                longest lifetime
 * kc:{p}:x:&lt;kcid&gt;               hash: n (conversion seq), g:&lt;goal&gt;, x:&lt;goal&gt;:&lt;txid&gt; (and
 *                                t:&lt;goal&gt;:&lt;txid&gt; as older servers wrote it, read),
 *                                r:&lt;request_id&gt;, e:&lt;stream entry id&gt; (what DeleteClick removes),
 *                                &lt;n&gt;.p, &lt;n&gt;.s ... (conversion n: the fields listed for
 *                                kc:{p}:v:... below, see lib_conversions.lua, but st holds only the
 *                                hour label of the account's stats and dimension hashes it was
 *                                counted in, and dk is not written: the hour names both),
 *                                l (postback attempts on the click: "&lt;account&gt;|&lt;log id&gt;" pointers,
 *                                newest first, space-separated, capped); TTL at least the postback
 *                                log retention once a postback named the click
 * kc:{p}:v:&lt;kcid&gt;:&lt;n&gt;           conversion n as older servers kept it, a hash of its own (read,
 *                                changed and deleted, no longer written): p (Conversion protobuf),
 *                                s (status), a, c (value), ct (cap token), st, sf (its stats hash and
 *                                cell, when counted), dk, dc (its dimension hash and entries there),
 *                                x (1 = test), fx (the rate it was converted at read, settle_fx.lua)
 * kc:{p}:h:&lt;kcid&gt;:&lt;n&gt;           its status/value history (list)
 * kc:{p}:r:&lt;kcid&gt;:&lt;request_id&gt;  first answer to a request id
 * kc:{p}:s                       stream of conversion events of the partition (new conversions and
 *                                status changes; field n = the partition's event sequence number)
 * kc:{p}:sn                      hash: n = the partition's last event sequence number, h = the
 *                                number of the oldest entry left by the last trim
 * kc:{p}:st:&lt;account&gt;:&lt;yyyyMMddHH&gt;  stats counters of the account's clicks and conversions of one
 *                                UTC hour in this partition (fields: lib_stats.lua; TTL = stats
 *                                retention after the hour)
 * kc:{p}:dim:&lt;account&gt;:&lt;yyyyMMddHH&gt; the same hour's counters by detail dimension (creative,
 *                                placement, s2 ... s10) and the bounded lists of the values seen
 *                                (lib_stats.lua; same TTL)
 * kc:{p}:sh                      set of the partition's stats and dimension hashes kept as hash
 *                                tables while their hour is current (lib_stats.lua heat; emptied of
 *                                past hours by RedisStatsCompactor)
 * kc:{p}:pl:&lt;kcid&gt;             the same attempts as a list, as older servers kept them: read and
 *                                deleted, no longer written; TTL = postback log retention
 * kc:{a:&lt;id&gt;}                   Account protobuf
 * kc:{a:&lt;id&gt;}:s                 hash: token_sha256, click_secret, signing_secret (+ _prev, _prev_exp)
 * kc:{a:&lt;id&gt;}:g                 hash: goal key -&gt; Goal protobuf
 * kc:{a:&lt;id&gt;}:q:&lt;request_id&gt;    first answer of an idempotent admin or click write
 * kc:{a:&lt;id&gt;}:tx:&lt;goal&gt;:&lt;txid&gt;  kcid holding an account-wide transaction id
 * kc:{a:&lt;id&gt;}:sg:&lt;digest&gt;     a used postback signature (digest of the signature and the item it
 *                                signed); value "r:" + its request id + "\n" + a nonce; TTL = twice the signature
 *                                tolerance + 1 min (see RedisSignatureReplayCache)
 * kc:{a:&lt;id&gt;}:vl:&lt;digest&gt;    velocity window of one click network (sorted set: conversion -&gt;
 *                                first-seen ms, trimmed to a minute)
 * kc:{a:&lt;id&gt;}:cp                hash: cap id -&gt; ConversionCap protobuf (loaded into Account.conversion_caps)
 * kc:{a:&lt;id&gt;}:capaudit          list of ConversionCapChange protobufs, newest first, trimmed
 * kc:{a:&lt;id&gt;}:cc:&lt;cap id&gt;      hash: period (d20261204, m202612, l) -&gt; conversions or value micro-units
 * kc:{a:&lt;id&gt;}:cr:&lt;digest&gt;      a conversion's cap reservation (see cap_reserve.lua); TTL = request-id TTL
 * kc:{a:&lt;id&gt;}:log               postback log: stream, field e = PostbackLogEntry, trimmed by time
 *                                (MINID) and length (MAXLEN); TTL = retention after the last write
 * kc:log:unattributed            postback log of postbacks no account was found for (same shape)
 * kc:t:&lt;sha256(token)&gt;           account id of a postback token
 * kc:accounts                    sorted set of account ids (lexicographic listing; a partner's
 *                                accounts are listed by walking it, there is no index per partner)
 * kc:{pt:&lt;id&gt;}                  Partner protobuf (accounts name their partner in Account.partner_id;
 *                                an account without one belongs to "default")
 * kc:partners                    sorted set of partner ids (lexicographic listing)
 * kc:{a:&lt;id&gt;}:d               hash: destination id -&gt; Destination protobuf (the account's own)
 * kc:{pt:&lt;id&gt;}:d              hash: destination id -&gt; Destination protobuf (the partner's, applied
 *                                to all its accounts)
 * kc:{a:&lt;id&gt;}:ds / kc:{pt:&lt;id&gt;}:ds  hash of webhook signing secrets: &lt;destination id&gt; -&gt; current
 *                                whsec_ secret, &lt;destination id&gt;:prev, &lt;destination id&gt;:prev_exp
 *                                (unix ms, end of the rotation's grace period)
 * kc:{verifiers}:changes         stream of accounts whose click verifier changed (field a), for
 *                                WatchClickVerifiers (RedisVerifierChanges); trimmed to ~10000
 * kc:{bots}:&lt;kind&gt;              operator IP list (bot, datacenter): set of canonical CIDR ranges
 * kc:{bots}:v                    counter bumped on every change of the lists (servers poll it)
 * kc:{fx}:day:&lt;yyyy-MM-dd&gt;      exchange rates of one day: hash currency -&gt; units per EUR (ECB)
 * kc:{fx}:days                   sorted set of the loaded days (score = epoch day)
 * kc:{fx}:v                      counter bumped on every load of rates (servers poll it)
 * kc:{keys}                      hash: API key name -&gt; sha256(key) + "\0" + ApiKey protobuf
 * kc:{p}:o                       delivery outbox: stream of conversion events of accounts with
 *                                destinations (t trigger, c conversion id, a, g, s status, tm),
 *                                consumer group "delivery"; entries XDEL'd once dispatched
 * kc:{p}:dj:&lt;delivery_id&gt;        delivery job hash (see RedisDeliveryQueue); TTL = log retention once finished
 * kc:{p}:da:&lt;delivery_id&gt;        a job's attempts when an older server created it (DeliveryAttempt
 *                                protobufs, oldest first, capped); newer jobs keep them in their hash
 * kc:{p}:dq                      destinations with pending delivery jobs in the partition: score =
 *                                their earliest job's due time ms, member "&lt;owner&gt;/&lt;destination id&gt;"
 * kc:{p}:dq:&lt;owner&gt;/&lt;dest&gt;      a destination's pending jobs: score = due time ms, member = delivery id
 * kc:{a:&lt;id&gt;}:dl                delivery log index of the account: score = created ms,
 *                                member "&lt;p&gt;:&lt;delivery_id&gt;"
 * </pre>
 */
public final class RedisKeys {
  private RedisKeys() {}

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String partitionTag(int partition) {
    return "kc:{" + partition + "}:";
  }

  /** The group of clicks issued in the kcid's hour in its partition (see lib_clicks.lua). */
  public static byte[] clickGroup(io.kcid.core.kcid.DecodedKcid kcid) {
    return bytes(partitionTag(kcid.partition()) + "k:" + kcid.issueTime().getEpochSecond() / 3600);
  }

  /** A click's field in its group's bucket: the kcid's 64 random bits, big-endian. */
  public static byte[] clickField(io.kcid.core.kcid.DecodedKcid kcid) {
    return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(kcid.random()).array();
  }

  public static byte[] clickState(int partition, String kcid) {
    return bytes(partitionTag(partition) + "x:" + kcid);
  }

  /**
   * Conversions an older server recorded as hashes of their own ({@code kc:{p}:v:<kcid>:<n>}); new
   * ones are fields of the click state hash (lib_conversions.lua). Read and changed in place, and
   * deleted with the click, until they expire.
   */
  public static String legacyConversionPrefix(int partition, String kcid) {
    return partitionTag(partition) + "v:" + kcid + ":";
  }

  public static byte[] legacyConversion(int partition, String kcid, long n) {
    return bytes(legacyConversionPrefix(partition, kcid) + n);
  }

  /** The name of field {@code name} of conversion {@code n} in its click state hash. */
  public static byte[] conversionField(long n, String name) {
    return bytes(n + "." + name);
  }

  public static String historyPrefix(int partition, String kcid) {
    return partitionTag(partition) + "h:" + kcid + ":";
  }

  public static byte[] history(int partition, String kcid, long n) {
    return bytes(historyPrefix(partition, kcid) + n);
  }

  public static byte[] request(int partition, String kcid, String requestId) {
    return bytes(requestPrefix(partition, kcid) + requestId);
  }

  public static String requestPrefix(int partition, String kcid) {
    return partitionTag(partition) + "r:" + kcid + ":";
  }

  /** A key in the partition's slot, passed when a script has no request id to guard. */
  public static byte[] noRequest(int partition) {
    return bytes(partitionTag(partition) + "r:-");
  }

  public static byte[] stream(int partition) {
    return bytes(partitionTag(partition) + "s");
  }

  /** The partition's event sequence numbers (see {@code lib_stats.lua} append_event). */
  public static byte[] streamSequence(int partition) {
    return bytes(partitionTag(partition) + "sn");
  }

  /** Stats counters of one account, UTC hour and partition. */
  public static byte[] stats(int partition, String accountId, java.time.Instant hour) {
    return bytes(statsPrefix(partition, accountId) + StatsFormat.hourLabel(hour));
  }

  /**
   * The stats keys of one account and partition up to the hour label, which a conversion keeps
   * instead of the whole key (lib_conversions.lua counted_in).
   */
  public static String statsPrefix(int partition, String accountId) {
    return partitionTag(partition) + "st:" + accountId + ":";
  }

  /** The partition's hot stats and dimension hashes (lib_stats.lua heat, compact_stats.lua). */
  public static byte[] hotStats(int partition) {
    return bytes(partitionTag(partition) + "sh");
  }

  /** Detail-dimension counters of one account, UTC hour and partition (lib_stats.lua). */
  public static byte[] dimensions(int partition, String accountId, java.time.Instant hour) {
    return bytes(dimensionsPrefix(partition, accountId) + StatsFormat.hourLabel(hour));
  }

  /** The dimension keys of one account and partition up to the hour label (see statsPrefix). */
  public static String dimensionsPrefix(int partition, String accountId) {
    return partitionTag(partition) + "dim:" + accountId + ":";
  }

  public static byte[] account(String accountId) {
    return bytes("kc:{a:" + accountId + "}");
  }

  public static byte[] accountSecrets(String accountId) {
    return bytes("kc:{a:" + accountId + "}:s");
  }

  public static byte[] accountGoals(String accountId) {
    return bytes("kc:{a:" + accountId + "}:g");
  }

  /** First answer of an idempotent account-scoped write. */
  public static byte[] accountRequest(String accountId, String requestId) {
    return bytes("kc:{a:" + accountId + "}:q:" + requestId);
  }

  public static byte[] caps(String accountId) {
    return bytes("kc:{a:" + accountId + "}:cp");
  }

  public static byte[] capAudit(String accountId) {
    return bytes("kc:{a:" + accountId + "}:capaudit");
  }

  public static byte[] capCounters(String accountId, String capId) {
    return bytes("kc:{a:" + accountId + "}:cc:" + capId);
  }

  /** A conversion identity's cap reservation; the identity is digested (it holds a transaction id). */
  public static byte[] capReservation(String accountId, String identityDigest) {
    return bytes("kc:{a:" + accountId + "}:cr:" + identityDigest);
  }

  /** The velocity window of the clicks of one network (its 32-bit digest, hex) of an account. */
  public static byte[] velocityWindow(String accountId, int networkDigest) {
    return bytes("kc:{a:" + accountId + "}:vl:" + Integer.toHexString(networkDigest));
  }

  /** An operator IP list: "bot" or "datacenter". */
  public static byte[] botRanges(String kind) {
    return bytes("kc:{bots}:" + kind);
  }

  /** Bumped on every change of the operator IP lists. */
  public static byte[] botRangesVersion() {
    return bytes("kc:{bots}:v");
  }

  /** The exchange rates of one day. */
  public static byte[] fxDay(java.time.LocalDate date) {
    return bytes("kc:{fx}:day:" + date);
  }

  /** The loaded days of the exchange-rate table. */
  public static byte[] fxDays() {
    return bytes("kc:{fx}:days");
  }

  /** Bumped on every load of exchange rates. */
  public static byte[] fxVersion() {
    return bytes("kc:{fx}:v");
  }

  /** Account-wide claim of a transaction id for a goal (UNIQUE_TRANSACTION_PER_ACCOUNT). */
  public static byte[] accountTransaction(String accountId, String goalKey, String transactionId) {
    return bytes("kc:{a:" + accountId + "}:tx:" + goalKey + ":" + transactionId);
  }

  /** A used postback signature; {@code digest} is computed by the caller (never the signature itself). */
  public static byte[] accountSignature(String accountId, byte[] digest) {
    return bytes("kc:{a:" + accountId + "}:sg:"
        + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
  }

  /** The account's postback log (a stream). */
  public static byte[] accountLog(String accountId) {
    return bytes("kc:{a:" + accountId + "}:log");
  }

  /** The log of postbacks no account could be found for (bad token, unknown click). */
  public static byte[] unattributedLog() {
    return bytes("kc:log:unattributed");
  }

  /**
   * The list the postback attempts on one click were kept in before they became the field {@code l}
   * of its state hash: still read and deleted for clicks whose attempts were pushed by an older
   * server, until those expire with the postback log's retention.
   */
  public static byte[] legacyClickAttempts(int partition, String kcid) {
    return bytes(partitionTag(partition) + "pl:" + kcid);
  }

  public static byte[] tokenIndex(String tokenSha256Hex) {
    return bytes("kc:t:" + tokenSha256Hex);
  }

  /** Every API key of gRPC callers (digests only), in one hash. */
  public static byte[] apiKeys() {
    return bytes("kc:{keys}");
  }

  public static byte[] accountIndex() {
    return bytes("kc:accounts");
  }

  /** A partner's record, under its own hash tag. */
  public static byte[] partner(String partnerId) {
    return bytes("kc:{pt:" + partnerId + "}");
  }

  public static byte[] partnerIndex() {
    return bytes("kc:partners");
  }

  /** The destinations of an account or a partner (hash: destination id -> Destination). */
  public static byte[] destinations(io.kcid.server.store.DestinationOwner owner) {
    return bytes(ownerTag(owner) + ":d");
  }

  /** The webhook signing secrets of an account's or a partner's destinations. */
  public static byte[] destinationSecrets(io.kcid.server.store.DestinationOwner owner) {
    return bytes(ownerTag(owner) + ":ds");
  }

  private static String ownerTag(io.kcid.server.store.DestinationOwner owner) {
    return owner.kind() == io.kcid.server.store.DestinationOwner.Kind.ACCOUNT
        ? "kc:{a:" + owner.id() + "}"
        : "kc:{pt:" + owner.id() + "}";
  }

  /** The partition's delivery outbox stream. */
  public static byte[] outbox(int partition) {
    return bytes(partitionTag(partition) + "o");
  }

  /** A delivery job's hash key: its prefix followed by the delivery id. */
  static String deliveryJobPrefix(int partition) {
    return partitionTag(partition) + "dj:";
  }

  /** A delivery job's attempts list key: its prefix followed by the delivery id. */
  static String deliveryAttemptsPrefix(int partition) {
    return partitionTag(partition) + "da:";
  }

  /** The partition's destinations with pending delivery jobs, by their earliest due time. */
  static byte[] deliveryIndex(int partition) {
    return bytes(partitionTag(partition) + "dq");
  }

  /** A destination's pending jobs key: this prefix followed by "&lt;owner&gt;/&lt;destination id&gt;". */
  static String deliveryQueuePrefix(int partition) {
    return partitionTag(partition) + "dq:";
  }

  /** The account's delivery log index. */
  static byte[] deliveryLog(String accountId) {
    return bytes("kc:{a:" + accountId + "}:dl");
  }
}
