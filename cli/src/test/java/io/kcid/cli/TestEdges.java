package io.kcid.cli;

import io.kcid.edge.config.EdgeConfig;

/** The edge settings the cli tests start from. */
final class TestEdges {
  private TestEdges() {}

  /**
   * An edge on a free loopback port (admin listener too) in front of the tracking-server at {@code
   * localhost:<serverPort>}; otherwise the builder's defaults (1500 ms deadline, 64 KiB bodies, no
   * key, no limits, no spool).
   */
  static EdgeConfig.Builder loopback(int serverPort) {
    return EdgeConfig.builder().bindHost("127.0.0.1").port(0).grpcTarget("localhost:" + serverPort);
  }
}
