package io.kcid.server.store.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EpollProvider;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The one shared, thread-safe Lettuce connection of the process, configured for a tracker that
 * must never answer success for an unknown outcome:
 *
 * <ul>
 *   <li>every command times out ({@code commandTimeout}, well under the gRPC deadline);
 *   <li>commands issued while disconnected are rejected at once instead of queueing without bound;
 *   <li>commands in flight when a connection drops are NOT replayed after reconnect: their callers
 *       have already been told "unknown outcome, retry", and a silent replay could count twice;
 *   <li>TCP keepalive and TCP_USER_TIMEOUT detect a dead peer that sends no RST.
 * </ul>
 */
public final class RedisConnector implements AutoCloseable {
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> connection;

  private RedisConnector(
      ClientResources resources, RedisClient client, StatefulRedisConnection<byte[], byte[]> c) {
    this.resources = resources;
    this.client = client;
    this.connection = c;
  }

  /** Connects to a {@code redis://} or {@code rediss://} URL. Fails fast when unreachable. */
  public static RedisConnector connect(String url, Duration commandTimeout, int requestQueueSize) {
    ClientResources resources = DefaultClientResources.create();
    RedisURI uri = RedisURI.create(url);
    uri.setTimeout(commandTimeout);
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .requestQueueSize(requestQueueSize)
            .replayFilter(command -> true)
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .tcpNoDelay(true)
                    .keepAlive(
                        SocketOptions.KeepAliveOptions.builder()
                            .enable()
                            .idle(Duration.ofSeconds(15))
                            .interval(Duration.ofSeconds(5))
                            .count(3)
                            .build())
                    .tcpUserTimeout(
                        SocketOptions.TcpUserTimeoutOptions.builder()
                            // Needs a native transport; elsewhere keepalive alone applies.
                            .enable(EpollProvider.isAvailable())
                            .tcpUserTimeout(Duration.ofSeconds(30))
                            .build())
                    .build())
            .build());
    // A Redis that is still starting (a fresh container, the embedded one under load) refuses
    // connections for a moment: retry for a bounded time, then fail with the cause.
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      try {
        return new RedisConnector(resources, client, client.connect(ByteArrayCodec.INSTANCE));
      } catch (RedisConnectionException e) {
        if (System.nanoTime() > deadline) {
          client.shutdown(0, 2, TimeUnit.SECONDS);
          resources.shutdown(0, 2, TimeUnit.SECONDS);
          throw e;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      } catch (RuntimeException e) {
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        throw e;
      }
    }
  }

  /** How long start-up waits for Redis to accept a connection. */
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);

  public RedisClusterAsyncCommands<byte[], byte[]> commands() {
    return connection.async();
  }

  /** PING with the command timeout; completes exceptionally when Redis is not answering. */
  public CompletionStage<String> ping() {
    return connection.async().ping();
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
