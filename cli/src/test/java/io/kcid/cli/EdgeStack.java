package io.kcid.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.HttpEdge;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.util.ArrayList;
import java.util.List;

/**
 * What an end-to-end cli test runs against: a real redis-server, a tracking-server with the test
 * config (no API keys, no account cache), an edge in front of it and a plaintext channel to it.
 */
final class EdgeStack implements AutoCloseable {
  final LocalRedis redis;
  final TrackingServer server;
  final HttpEdge edge;
  final ManagedChannel channel;

  EdgeStack() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.config(redis.url()));
    edge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  /** Runs {@code ./kcid args…} in process against this server. */
  InProcessCli.Run kcid(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--grpc-addr", "127.0.0.1:" + server.port()));
    return InProcessCli.run(all);
  }

  /** The edge's base address, {@code http://127.0.0.1:<port>}. */
  String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }
}
