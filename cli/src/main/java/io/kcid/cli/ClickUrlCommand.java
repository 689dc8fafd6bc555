package io.kcid.cli;

import io.kcid.core.click.ClickUrlSigner;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid click-url}: builds a signed click URL, as an ad server would. Works offline. */
@Command(name = "click-url", mixinStandardHelpOptions = true,
    footer = {
      "%nExample:",
      "  ./kcid click-url --account acme --campaign spring-sale --sub s1=pub42 \\",
      "      --url 'https://shop.example/landing'"},
    description = "Build a signed click URL for the edge's /c redirect.")
final class ClickUrlCommand implements Runnable {
  @Option(names = "--account", required = true, description = "Account id (a).")
  String account;

  @Option(names = "--campaign", required = true, description = "Campaign id (c).")
  String campaign;

  @Option(names = "--creative", defaultValue = "", description = "Creative id (cr).")
  String creative;

  @Option(names = "--placement", defaultValue = "", description = "Placement id (p).")
  String placement;

  @Option(names = "--sub", description = "Sub id, e.g. --sub s1=pub42 (s1..s10).")
  Map<String, String> subIds = new LinkedHashMap<>();

  @Option(names = "--url", required = true, description = "Destination (u); may contain the {kcid} macro.")
  String url;

  @Option(names = "--edge", defaultValue = "${env:KCID_EDGE_URL:-http://localhost:8080}",
      description = "Edge base URL (KCID_EDGE_URL). Default: ${DEFAULT-VALUE}")
  String edge;

  @Option(names = "--secret", defaultValue = "${env:KCID_CLICK_SECRET}",
      description = "Click secret (KCID_CLICK_SECRET); default: the copy saved by `account create`.")
  String secret;

  @Mixin OutputOptions output;

  @Override
  public void run() {
    String key = secret != null && !secret.isEmpty()
        ? secret
        : LocalCredentials.load(account)
            .map(LocalCredentials.Secrets::clickSecret)
            .orElseThrow(() -> new CliException(
                "no click secret for account '" + account + "': pass --secret or create the account with this CLI"));
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account);
    params.put("c", campaign);
    params.put("cr", creative);
    params.put("p", placement);
    subIds.forEach((k, v) -> {
      if (!k.matches("s([1-9]|10)")) {
        throw new CliException("--sub " + k + ": expected s1 … s10");
      }
      params.put(k, v);
    });
    params.put("u", url);
    String signed = ClickUrlSigner.signedUrl(edge.replaceAll("/+$", ""), params, key);
    new Output(output, Output.itself(), "url")
        .print(CliJson.MAPPER.createObjectNode().put("url", signed), () -> System.out.println(signed));
  }
}
