package io.kcid.edge.postback;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The postback fields and the names senders use for them. Names are case-sensitive, lower case.
 * The first name is the canonical one.
 */
enum PostbackField {
  KCID("kcid", "clickid", "click_id", "cid", "subid", "transaction_id"),
  GOAL("goal", "event"),
  VALUE("value", "amount", "payout", "revenue", "sum"),
  CURRENCY("currency"),
  TXID("txid", "order_id", "orderid"),
  STATUS("status"),
  EVENT_TIME("event_time"),
  TEST("test"),
  REQUEST_ID("request_id"),
  TOKEN("token"),
  ACCOUNT("account", "a"),
  ADV1("adv1"),
  ADV2("adv2"),
  ADV3("adv3"),
  ADV4("adv4"),
  ADV5("adv5");

  static final List<PostbackField> ADV_SUB_IDS = List.of(ADV1, ADV2, ADV3, ADV4, ADV5);
  private static final Set<String> KNOWN = new HashSet<>();

  static {
    for (PostbackField field : values()) {
      KNOWN.addAll(field.names);
    }
  }

  private final List<String> names;

  PostbackField(String... names) {
    this.names = List.of(names);
  }

  List<String> names() {
    return names;
  }

  String canonicalName() {
    return names.get(0);
  }

  static boolean isKnown(String name) {
    return KNOWN.contains(name);
  }
}
