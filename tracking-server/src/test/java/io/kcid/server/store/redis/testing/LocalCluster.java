package io.kcid.server.store.redis.testing;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of {@code redis-server} processes in cluster mode on free ports, assembled
 * the way {@code redis-cli --cluster create} does it (which the embedded artifact does not ship):
 * CLUSTER MEET, CLUSTER ADDSLOTS in equal ranges, CLUSTER REPLICATE. It can move a slot
 * between primaries (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE), fail a primary over
 * gracefully (CLUSTER FAILOVER), or kill it with SIGKILL and promote its replica (CLUSTER FAILOVER
 * TAKEOVER).
 */
public final class LocalCluster implements TestRedis {
  /** Short, so that a dead primary is noticed within seconds. */
  private static final int NODE_TIMEOUT_MS = 2000;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final List<RedisNode> nodes;
  private RedisClusterClient dataClient;
  private StatefulRedisClusterConnection<String, String> data;

  private LocalCluster(List<RedisNode> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts and assembles a cluster and waits until every node reports {@code cluster_state:ok}.
   *
   * @param fsyncAlways {@code appendfsync always} on every node instead of {@code everysec}
   */
  public static LocalCluster start(int primaries, int replicasPerPrimary, boolean fsyncAlways) {
    return start(primaries, replicasPerPrimary, fsyncAlways, List.of());
  }

  /** As {@link #start(int, int, boolean)}, with more redis.conf lines for every node. */
  public static LocalCluster start(
      int primaries, int replicasPerPrimary, boolean fsyncAlways, List<String> extraSettings) {
    List<String> settings = RedisNode.baseSettings(fsyncAlways);
    settings.addAll(extraSettings);
    settings.add("cluster-enabled yes");
    settings.add("cluster-config-file nodes.conf");
    settings.add("cluster-node-timeout " + NODE_TIMEOUT_MS);
    // A node learns its own address from its peers; a one-node cluster has none to tell it.
    settings.add("cluster-announce-ip " + RedisNode.HOST);
    List<RedisNode> nodes = new ArrayList<>();
    LocalCluster cluster = new LocalCluster(nodes);
    try {
      for (int i = 0; i < primaries * (1 + replicasPerPrimary); i++) {
        nodes.add(RedisNode.start(settings, true));
      }
      cluster.assemble(primaries, replicasPerPrimary);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void assemble(int primaries, int replicasPerPrimary) {
    RedisNode first = nodes.get(0);
    for (RedisNode node : nodes.subList(1, nodes.size())) {
      first.sync().clusterMeet(RedisNode.HOST, node.port());
    }
    int per = 16384 / primaries;
    for (int i = 0; i < primaries; i++) {
      int from = i * per;
      int to = i == primaries - 1 ? 16383 : from + per - 1;
      // ADDSLOTS, not ADDSLOTSRANGE: the embedded binary is Redis 6.2.
      nodes.get(i).sync().clusterAddSlots(java.util.stream.IntStream.rangeClosed(from, to).toArray());
    }
    await("every node knows every other", () -> nodes.stream().allMatch(
        n -> view(n).stream().filter(x -> !x.is(NodeFlag.HANDSHAKE)).count() == nodes.size()));
    for (int r = 0; r < primaries * replicasPerPrimary; r++) {
      RedisNode replica = nodes.get(primaries + r);
      String primaryId = nodeId(nodes.get(r % primaries));
      replica.sync().clusterReplicate(primaryId);
    }
    awaitStable();
  }

  @Override
  public String url() {
    return "redis-cluster://" + nodes.stream().filter(RedisNode::isRunning)
        .map(RedisNode::address).collect(Collectors.joining(","));
  }

  public List<RedisNode> nodes() {
    return List.copyOf(nodes);
  }

  public String nodeId(RedisNode node) {
    return node.sync().clusterMyId();
  }

  /** The cluster's view, as one running node sees it. */
  private Partitions view() {
    return view(nodes.stream().filter(RedisNode::isRunning).findFirst().orElseThrow());
  }

  private static Partitions view(RedisNode node) {
    return ClusterPartitionParser.parse(node.sync().clusterNodes());
  }

  private RedisNode byUri(RedisURI uri) {
    return nodes.stream().filter(n -> n.port() == uri.getPort()).findFirst()
        .orElseThrow(() -> new IllegalStateException("Unknown node " + uri));
  }

  /** The primary serving {@code slot} now. */
  public RedisNode ownerOf(int slot) {
    return byUri(view().getMasterBySlot(slot).getUri());
  }

  /** The current primaries that serve slots. */
  public List<RedisNode> primaries() {
    List<RedisNode> result = new ArrayList<>();
    for (RedisClusterNode n : view()) {
      if (n.is(NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
        result.add(byUri(n.getUri()));
      }
    }
    return result;
  }

  /** The (first) replica of a primary. */
  public RedisNode replicaOf(RedisNode primary) {
    String id = nodeId(primary);
    for (RedisClusterNode n : view()) {
      if (id.equals(n.getSlaveOf()) && !n.is(NodeFlag.FAIL)) {
        return byUri(n.getUri());
      }
    }
    throw new IllegalStateException(primary.address() + " has no replica");
  }

  /**
   * Resharding of one slot, step by step as {@code redis-cli --cluster reshard} does it: the slot
   * is open (MIGRATING on the source, IMPORTING on the target) while its keys move in batches, then
   * assigned to the target on every node.
   *
   * @param pause how long the slot stays open between batches (so that load meets ASK / TRYAGAIN)
   */
  public void moveSlot(int slot, RedisNode target, Duration pause) {
    RedisNode source = ownerOf(slot);
    if (source == target) {
      throw new IllegalArgumentException("slot " + slot + " is already on " + target.address());
    }
    String sourceId = nodeId(source);
    String targetId = nodeId(target);
    target.sync().clusterSetSlotImporting(slot, sourceId);
    source.sync().clusterSetSlotMigrating(slot, targetId);
    while (true) {
      sleep(pause);
      List<String> keys = source.sync().clusterGetKeysInSlot(slot, 50);
      if (keys.isEmpty()) {
        break;
      }
      source.sync().migrate(RedisNode.HOST, target.port(), 0, 5000, MigrateArgs.Builder.keys(keys));
    }
    target.sync().clusterSetSlotNode(slot, targetId);
    source.sync().clusterSetSlotNode(slot, targetId);
    for (RedisNode other : primaries()) {
      if (other != source && other != target) {
        other.sync().clusterSetSlotNode(slot, targetId);
      }
    }
    awaitStable();
  }

  /** Graceful failover: the replica catches up with its primary, then takes over its slots. */
  public void failover(RedisNode replica) {
    replica.sync().clusterFailover(false);
    await(replica.address() + " promoted", () -> "master".equals(replica.info("replication", "role")));
    awaitStable();
  }

  /**
   * Promotes a replica without its primary's agreement (the primary is dead), and returns once
   * every running node sees it serve slots.
   */
  public void takeover(RedisNode replica) {
    replica.sync().clusterFailover(false, true);
    await(replica.address() + " promoted", () -> "master".equals(replica.info("replication", "role")));
    String id = nodeId(replica);
    await(replica.address() + " serves slots, as every node sees it", () ->
        nodes.stream().filter(RedisNode::isRunning).allMatch(n -> {
          RedisClusterNode promoted = view(n).getPartitionByNodeId(id);
          return promoted != null && promoted.is(NodeFlag.UPSTREAM) && !promoted.getSlots().isEmpty();
        }));
  }

  /** Starts a killed node again on its port and data; it rejoins the cluster from nodes.conf. */
  public void restart(RedisNode node) {
    node.restart();
    awaitStable();
  }

  /**
   * Waits until every running node reports {@code cluster_state:ok}, all agree on which primary
   * serves how many slots, and every running replica's link to its primary is up.
   */
  public void awaitStable() {
    await("cluster stable", () -> {
      List<RedisNode> running = nodes.stream().filter(RedisNode::isRunning).toList();
      Map<Integer, Integer> expected = null;
      for (RedisNode n : running) {
        if (!n.sync().clusterInfo().contains("cluster_state:ok")) {
          return false;
        }
        Map<Integer, Integer> slotsByPort = new TreeMap<>();
        for (RedisClusterNode x : view(n)) {
          if (!x.getSlots().isEmpty()) {
            slotsByPort.put(x.getUri().getPort(), x.getSlots().size());
          }
        }
        if (expected == null) {
          expected = slotsByPort;
        } else if (!expected.equals(slotsByPort)) {
          return false;
        }
        if ("slave".equals(n.info("replication", "role"))
            && !"up".equals(n.info("replication", "master_link_status"))) {
          return false;
        }
      }
      return expected != null && expected.values().stream().mapToInt(Integer::intValue).sum() == 16384;
    });
  }

  @Override
  public synchronized RedisClusterCommands<String, String> commands() {
    if (data == null) {
      List<RedisURI> seeds = nodes.stream().filter(RedisNode::isRunning)
          .map(n -> RedisURI.create(RedisNode.HOST, n.port())).toList();
      dataClient = RedisClusterClient.create(seeds);
      data = dataClient.connect();
    }
    return data.sync();
  }

  @Override
  public void flushScripts() {
    nodes.stream().filter(RedisNode::isRunning).forEach(n -> n.sync().scriptFlush());
  }

  @Override
  public boolean scriptCached(String key, String sha) {
    return ownerOf(SlotHash.getSlot(key)).sync().scriptExists(sha).get(0);
  }

  @Override
  public long storedMemory() {
    List<RedisNode> primaries = primaries();
    primaries.forEach(n -> Info.awaitReplicas(() -> n.sync().info("replication")));
    return primaries.stream().mapToLong(n -> Info.storedMemory(n.sync().info("memory"))).sum();
  }

  @Override
  public double cpuSeconds() {
    return primaries().stream().mapToDouble(n -> Info.cpuSeconds(n.sync().info("cpu"))).sum();
  }

  @Override
  public void close() {
    if (data != null) {
      data.close();
      dataClient.shutdown(0, 1, TimeUnit.SECONDS);
    }
    nodes.forEach(RedisNode::close);
  }

  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e; // a node still restarting, a view in flux: look again
      }
      sleep(Duration.ofMillis(50));
    }
    throw new IllegalStateException("Timed out waiting for: " + what, last);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
