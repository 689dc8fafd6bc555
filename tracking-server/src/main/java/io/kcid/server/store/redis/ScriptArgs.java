package io.kcid.server.store.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The KEYS and ARGV of one script call, filled by name: {@link #keys()} and {@link #argv()} lay
 * them out in the contract's order and refuse a call with a slot left empty or filled twice.
 */
final class ScriptArgs<P extends Enum<P> & ScriptParam> {
  private final Class<P> contract;
  private final Map<P, List<byte[]>> values;

  private ScriptArgs(Class<P> contract) {
    this.contract = contract;
    this.values = new EnumMap<>(contract);
  }

  static <P extends Enum<P> & ScriptParam> ScriptArgs<P> of(Class<P> contract) {
    return new ScriptArgs<>(contract);
  }

  /** Fills a single slot. */
  ScriptArgs<P> set(P param, byte[] value) {
    if (param.slot().repeated) {
      throw new IllegalArgumentException(param + " is repeated: add(...) its values");
    }
    if (values.putIfAbsent(param, List.of(value)) != null) {
      throw new IllegalArgumentException(param + " is set twice");
    }
    return this;
  }

  /** Fills a single slot with UTF-8 text. */
  ScriptArgs<P> set(P param, String value) {
    return set(param, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends one value to a repeated slot. */
  ScriptArgs<P> add(P param, byte[] value) {
    if (!param.slot().repeated) {
      throw new IllegalArgumentException(param + " takes one value: set(...) it");
    }
    values.computeIfAbsent(param, p -> new ArrayList<>()).add(value);
    return this;
  }

  /** Appends one UTF-8 text value to a repeated slot. */
  ScriptArgs<P> add(P param, String value) {
    return add(param, value.getBytes(StandardCharsets.UTF_8));
  }

  byte[][] keys() {
    return layout(true);
  }

  byte[][] argv() {
    return layout(false);
  }

  private byte[][] layout(boolean keys) {
    List<byte[]> out = new ArrayList<>();
    for (P param : contract.getEnumConstants()) {
      if (param.slot().key != keys) {
        continue;
      }
      List<byte[]> v = values.get(param);
      if (v == null && !param.slot().repeated) {
        throw new IllegalStateException(contract.getSimpleName() + "." + param + " is not set");
      }
      if (v != null) {
        out.addAll(v);
      }
    }
    return out.toArray(byte[][]::new);
  }
}
