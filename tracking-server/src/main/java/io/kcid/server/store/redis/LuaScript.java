package io.kcid.server.store.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
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
}
