package io.kcid.server.destination;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.common.Identifiers;
import io.kcid.server.delivery.AddressGuard;
import io.kcid.server.delivery.PostbackTemplate;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.DestinationOwner;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What a destination's fields may hold, checked on create and update so that nothing is found
 * wrong at send time: the URL (macros known, host not internal unless allowlisted), goals,
 * triggers, status map and limits. Each refusal is INVALID_PARAMETER naming the field, or
 * DESTINATION_ADDRESS_FORBIDDEN.
 */
final class DestinationRules {
  static final int MAX_CONCURRENCY = 256;
  static final int MAX_REQUESTS_PER_SECOND = 10_000;
  static final Duration DEFAULT_GRACE = Duration.ofHours(24);
  static final Duration MAX_GRACE = Duration.ofDays(30);
  private static final Set<String> STATUS_KEYS = Set.of("pending", "approved", "rejected");
  private static final int MAX_GOALS = 100;
  private static final int MAX_LABEL = 64;

  /** Admin calls are rare: two lookup threads are plenty, and a slow resolver holds only them. */
  private static final ExecutorService LOOKUPS = Executors.newFixedThreadPool(2, task -> {
    Thread thread = new Thread(task, "kcid-destination-lookup");
    thread.setDaemon(true);
    return thread;
  });

  private final AddressGuard guard;

  DestinationRules(AddressGuard guard) {
    this.guard = guard;
  }

  static DestinationKind kind(DestinationKind kind) {
    if (kind != DestinationKind.DESTINATION_KIND_POSTBACK && kind != DestinationKind.DESTINATION_KIND_WEBHOOK) {
      throw new KcidException(ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "kind is required: postback or webhook", Map.of("field", "kind"));
    }
    return kind;
  }

  /**
   * The URL's host, after checking the URL for the kind: postback templates parse (unknown macros
   * refused), webhooks take none. The host's addresses are checked by {@link #checkAddress}.
   */
  static String host(DestinationKind kind, String url) {
    URI concrete;
    if (kind == DestinationKind.DESTINATION_KIND_POSTBACK) {
      concrete = PostbackTemplate.parse(url).render(Map.of());
    } else {
      Identifiers.required("url", url);
      if (url.indexOf('{') >= 0 || url.indexOf('}') >= 0) {
        throw Identifiers.invalid("url", "webhook urls take no {macros}: the event is in the JSON body");
      }
      concrete = PostbackTemplate.checkedUri(url);
    }
    return concrete.getHost();
  }

  /**
   * Resolves the host and refuses an internal address (DESTINATION_ADDRESS_FORBIDDEN). The lookup
   * blocks, so it runs on its own threads: never on a gRPC event loop or a Redis I/O thread.
   */
  CompletionStage<Void> checkAddress(String host) {
    return CompletableFuture.runAsync(() -> guard.check(host), LOOKUPS);
  }

  /** Goal keys, each once; an account's must exist (a partner's apply to whichever of its accounts has them). */
  static List<String> goals(List<String> goalKeys, DestinationOwner owner, AccountRecord account) {
    if (goalKeys.size() > MAX_GOALS) {
      throw Identifiers.invalid("goal_keys", "at most " + MAX_GOALS + " goal keys");
    }
    Set<String> goals = new LinkedHashSet<>();
    for (String goal : goalKeys) {
      Identifiers.key("goal_keys", goal);
      if (owner.kind() == DestinationOwner.Kind.ACCOUNT && account.goal(goal).isEmpty()) {
        // INVALID_PARAMETER, as the contract lists for CreateDestination: the field is wrong.
        throw new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "Account '" + owner.id() + "' has no goal '" + goal + "'; list them with `kcid goal list`.",
            Map.of("field", "goal_keys", "goalKey", goal));
      }
      goals.add(goal);
    }
    return List.copyOf(goals);
  }

  static List<DeliveryTrigger> triggers(List<DeliveryTrigger> asked) {
    Set<DeliveryTrigger> triggers = new LinkedHashSet<>();
    for (DeliveryTrigger t : asked) {
      if (t == DeliveryTrigger.DELIVERY_TRIGGER_UNSPECIFIED || t == DeliveryTrigger.UNRECOGNIZED) {
        throw Identifiers.invalid("triggers", "triggers: expected recorded (accepted), pending, approved or rejected");
      }
      triggers.add(t);
    }
    return List.copyOf(triggers);
  }

  /** Keys pending/approved/rejected only; values 1..64 printable characters. */
  static Map<String, String> statusMap(Map<String, String> asked) {
    for (var e : asked.entrySet()) {
      if (!STATUS_KEYS.contains(e.getKey())) {
        throw new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "status_map key '" + e.getKey() + "': expected pending, approved or rejected",
            Map.of("field", "status_map", "key", e.getKey()));
      }
      String value = e.getValue();
      if (value.isEmpty() || value.length() > MAX_LABEL || value.chars().anyMatch(c -> Character.isISOControl(c))) {
        throw new KcidException(ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "status_map value of '" + e.getKey() + "' must be 1 to " + MAX_LABEL + " printable characters",
            Map.of("field", "status_map", "key", e.getKey()));
      }
    }
    return new TreeMap<>(asked);
  }

  static int concurrency(int value) {
    return within("max_concurrency", value, MAX_CONCURRENCY);
  }

  static int requestsPerSecond(int value) {
    return within("max_requests_per_second", value, MAX_REQUESTS_PER_SECOND);
  }

  /** The grace period of a rotation: 24 h when not given, 0 (drop the old secret now) to 30 days. */
  static Duration grace(com.google.protobuf.Duration asked, boolean given) {
    if (!given) {
      return DEFAULT_GRACE;
    }
    Duration grace = Duration.ofSeconds(asked.getSeconds(), asked.getNanos());
    if (grace.isNegative() || grace.compareTo(MAX_GRACE) > 0) {
      throw Identifiers.invalid("grace_period", "grace_period must be 0 to 30 days");
    }
    return grace;
  }

  private static int within(String field, int value, int max) {
    if (value < 0 || value > max) {
      throw Identifiers.invalid(field, field + " must be 0 (default) to " + max);
    }
    return value;
  }
}
