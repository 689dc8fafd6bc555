package io.kcid.server.store.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.BooleanOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script loaded once from the classpath and called by SHA. Script caches are per node and
 * are lost on restart or failover, so NOSCRIPT falls back to sending the full script once (which
 * also re-caches it).
 */
final class LuaScript {
  private final byte[] source;
  private final String sha;

  private LuaScript(byte[] source) {
    this.source = source;
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One script made of the given resources, concatenated in order: shared helpers (a library of
   * {@code local function}s) first, then the script that uses them.
   */
  static LuaScript fromClasspath(String... resources) {
    java.io.ByteArrayOutputStream source = new java.io.ByteArrayOutputStream();
    for (String resource : resources) {
      try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("Missing script resource " + resource);
        }
        source.writeBytes(in.readAllBytes());
        source.write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new LuaScript(source.toByteArray());
  }

  String sha() {
    return sha;
  }

  <T> CompletionStage<T> run(
      RedisClusterAsyncCommands<byte[], byte[]> redis,
      ScriptOutputType type,
      byte[][] keys,
      byte[]... args) {
    CompletableFuture<T> result = new CompletableFuture<>();
    redis.<T>evalsha(sha, type, keys, args)
        .whenComplete(
            (value, failure) -> {
              if (failure == null) {
                result.complete(value);
              } else if (StoreErrors.unwrap(failure) instanceof RedisNoScriptException) {
                redis.<T>eval(source, type, keys, args)
                    .whenComplete(
                        (v, f) -> {
                          if (f == null) {
                            result.complete(v);
                          } else {
                            result.completeExceptionally(f);
                          }
                        });
              } else {
                result.completeExceptionally(failure);
              }
            });
    return result;
  }

  /**
   * EVALSHA as a command object not yet sent: for {@link DurableWrites}, which sends it together
   * with the WAIT that follows it, so both take the same connection.
   */
  <T> AsyncCommand<byte[], byte[], T> evalshaCommand(ScriptOutputType type, byte[][] keys, byte[]... args) {
    CommandArgs<byte[], byte[]> a = new CommandArgs<>(ByteArrayCodec.INSTANCE).add(sha);
    return new AsyncCommand<>(new Command<>(CommandType.EVALSHA, output(type),
        a.add(keys.length).addKeys(keys).addValues(args)));
  }

  /** EVAL of the full source as a command object not yet sent (the NOSCRIPT fallback). */
  <T> AsyncCommand<byte[], byte[], T> evalCommand(ScriptOutputType type, byte[][] keys, byte[]... args) {
    CommandArgs<byte[], byte[]> a = new CommandArgs<>(ByteArrayCodec.INSTANCE).add(source);
    return new AsyncCommand<>(new Command<>(CommandType.EVAL, output(type),
        a.add(keys.length).addKeys(keys).addValues(args)));
  }

  /** The reply decoder Lettuce itself uses for each script output type. */
  @SuppressWarnings("unchecked")
  private static <T> CommandOutput<byte[], byte[], T> output(ScriptOutputType type) {
    ByteArrayCodec codec = ByteArrayCodec.INSTANCE;
    return (CommandOutput<byte[], byte[], T>) switch (type) {
      case MULTI -> new NestedMultiOutput<>(codec);
      case INTEGER -> new IntegerOutput<>(codec);
      case VALUE -> new ValueOutput<>(codec);
      case STATUS -> new StatusOutput<>(codec);
      case BOOLEAN -> new BooleanOutput<>(codec);
      default -> throw new IllegalArgumentException("No durable script output " + type);
    };
  }
}
