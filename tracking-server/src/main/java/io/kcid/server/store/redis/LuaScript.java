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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script loaded once from the classpath and called by SHA, with its KEYS and ARGV filled by
 * name ({@link ScriptArgs} of the script's {@link Scripts contract}). Script caches are per node and
 * are lost on restart or failover, so NOSCRIPT falls back to sending the full script once (which
 * also re-caches it).
 */
final class LuaScript<P extends Enum<P> & ScriptParam> {
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
   * The script, its libraries (a library of {@code local function}s) concatenated before it. Fails
   * when the script's {@code -- KEYS:} / {@code -- ARGV:} header does not name its contract's slots.
   */
  static <P extends Enum<P> & ScriptParam> LuaScript<P> load(Scripts.Script<P> script) {
    ByteArrayOutputStream source = new ByteArrayOutputStream();
    for (String library : script.libraries()) {
      source.writeBytes(resource(library));
      source.write('\n');
    }
    byte[] main = resource(script.file());
    ScriptHeader header = ScriptHeader.parse(new String(main, StandardCharsets.UTF_8));
    if (!header.equals(ScriptHeader.of(script.contract()))) {
      throw new IllegalStateException(script.file() + " declares " + header + " but its contract "
          + script.contract().getSimpleName() + " names " + ScriptHeader.of(script.contract()));
    }
    source.writeBytes(main);
    source.write('\n');
    return new LuaScript<>(source.toByteArray());
  }

  /** The bytes of {@code lua/<file>} on the classpath. */
  static byte[] resource(String file) {
    try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + file)) {
      if (in == null) {
        throw new IllegalStateException("Missing script resource /lua/" + file);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String sha() {
    return sha;
  }

  <T> CompletionStage<T> run(
      RedisClusterAsyncCommands<byte[], byte[]> redis, ScriptOutputType type, ScriptArgs<P> call) {
    return run(redis, type, call.keys(), call.argv());
  }

  private <T> CompletionStage<T> run(
      RedisClusterAsyncCommands<byte[], byte[]> redis,
      ScriptOutputType type,
      byte[][] keys,
      byte[][] args) {
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
