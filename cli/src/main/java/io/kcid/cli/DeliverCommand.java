package io.kcid.cli;

import io.kcid.server.DeliveryRole;
import io.kcid.server.ServerMain;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.delivery.DeliveryParts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code kcid deliver}: only the delivery workers, with the settings of {@code kcid server}. */
@Command(name = "deliver", mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  KCID_REDIS_URL=redis://127.0.0.1:6379 KCID_MAC_KEYS=\"$KEYS\" ./kcid deliver",
      "  ./kcid deliver --redis-url redis://10.0.0.5:6379 --mac-keys \"$KEYS\""},
    description = "Run only the outbound delivery workers (postbacks and webhooks) against the"
        + " tracking-servers' Redis. Takes the options and KCID_* settings of ./kcid server;"
        + " listens on no gRPC port. Several may run at once.")
final class DeliverCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DeliverCommand.class);

  @Unmatched
  List<String> serverOptions = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    ServerConfig config;
    try {
      config = CommandLine.populateCommand(new ServerMain(), serverOptions.toArray(String[]::new)).config();
    } catch (IllegalArgumentException | CommandLine.ParameterException e) {
      System.err.println("kcid deliver: invalid configuration: " + e.getMessage());
      return 2;
    }
    if (!config.delivery().workers()) {
      System.err.println("kcid deliver: KCID_DELIVERY_WORKERS=false leaves nothing to run");
      return 2;
    }
    DeliveryRole role = DeliveryRole.start(config, DeliveryParts.DEFAULTS);
    log.info("kcid delivery workers running against Redis {}, {} partitions",
        config.redis().redactedUrl(), config.kcid().partitions());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: finishing the deliveries in flight");
      role.close();
      stopped.countDown();
    }, "kcid-shutdown"));
    stopped.await();
    return 0;
  }
}
