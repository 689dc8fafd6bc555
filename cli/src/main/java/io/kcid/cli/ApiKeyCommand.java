package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.GetCallerRequest;
import io.kcid.proto.tracking.v1.ListApiKeysRequest;
import io.kcid.proto.tracking.v1.RevokeApiKeyRequest;
import io.kcid.server.auth.ApiKeyRoles;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kcid api-key create|list|revoke}: keys of gRPC callers (needs an admin key). */
@Command(
    name = "api-key",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid api-key create --name edge --roles issue,ingest",
      "  ./kcid api-key create --name agency-admin --roles admin --partner agency-one",
      "  ./kcid api-key list",
      "  ./kcid api-key whoami"},
    description = "Create, list and revoke API keys of gRPC callers (roles: issue, ingest, read, admin).",
    subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.ListAll.class, ApiKeyCommand.Revoke.class, ApiKeyCommand.WhoAmI.class})
final class ApiKeyCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      footer = {"%nExamples:", "  ./kcid api-key create --name edge --roles issue,ingest",
          "  ./kcid api-key create --name agency-admin --roles admin --partner agency-one",
          "  ./kcid api-key create --name shop-ads --roles issue --account acme"},
      description = "Create a key; prints it once. Without --partner or --account it is a platform key"
          + " (every partner and account).")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--name", required = true, description = "Unique name [a-z0-9_-]{1,64}, e.g. the calling system.")
    String name;

    @Option(names = "--roles", required = true, split = ",", description = "Comma-separated: issue, ingest, read, admin.")
    List<String> roles;

    @Option(names = "--partner", description = "Scope the key to this partner and its accounts.")
    String partner;

    @Option(names = "--account", description = "Scope the key to this one account.")
    String account;

    @Override
    public void run() {
      if (partner != null && account != null) {
        throw new CliException("give --partner or --account, not both: an account key belongs to the account's partner");
      }
      CreateApiKeyRequest.Builder request = CreateApiKeyRequest.newBuilder().setName(name)
          .setPartnerId(partner == null ? "" : partner).setAccountId(account == null ? "" : account);
      for (String role : roles) {
        try {
          request.addRoles(ApiKeyRoles.parse(role));
        } catch (IllegalArgumentException e) {
          throw new CliException(e.getMessage());
        }
      }
      Output out = new Output(grpc.output, Output.itself(), "api_key.name");
      try (GrpcOptions channel = grpc) {
        var created = grpc.admin().createApiKey(request.build());
        out.print(created, () -> {
          print(created.getApiKey());
          Output.line("key", created.getSecret());
          System.out.println("The key is shown once; send it as 'authorization: Bearer <key>' (KCID_API_KEY, KCID_EDGE_API_KEY).");
        });
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid api-key list"},
      description = "List keys (names, roles, hints; never the keys).")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("api_keys"), "name");
      try (GrpcOptions channel = grpc) {
        var listed = grpc.admin().listApiKeys(ListApiKeysRequest.getDefaultInstance());
        out.print(listed, () -> {
          for (ApiKey key : listed.getApiKeysList()) {
            System.out.println(key.getName() + "  " + roles(key) + "  " + scope(key) + "  " + key.getHint() + "  created "
                + CliWords.time(key.getCreateTime()));
          }
        });
      }
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid api-key revoke edge"},
      description = "Revoke a key; servers refuse it within their key cache time.")
  static final class Revoke implements Runnable {
    @Mixin GrpcOptions grpc;

    @Parameters(index = "0", description = "Key name.")
    String name;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "name");
      try (GrpcOptions channel = grpc) {
        grpc.admin().revokeApiKey(RevokeApiKeyRequest.newBuilder().setName(name).build());
        ObjectNode json = CliJson.MAPPER.createObjectNode().put("name", name).put("revoked", true);
        out.print(json, () -> System.out.println("revoked " + name));
      }
    }
  }

  @Command(name = "whoami", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid api-key whoami"},
      description = "Show the key this command calls with: its name, roles and scope (any key may ask).")
  static final class WhoAmI implements Runnable {
    @Mixin GrpcOptions grpc;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "api_key.name");
      try (GrpcOptions channel = grpc) {
        var caller = grpc.admin().getCaller(GetCallerRequest.getDefaultInstance());
        out.print(caller, () -> print(caller.getApiKey()));
      }
    }
  }

  /** {@code platform}, {@code partner agency-one} or {@code account acme (partner agency-one)}. */
  private static String scope(ApiKey key) {
    if (!key.getAccountId().isEmpty()) {
      return "account " + key.getAccountId() + " (partner " + key.getPartnerId() + ")";
    }
    return key.getPartnerId().isEmpty() ? "platform" : "partner " + key.getPartnerId();
  }

  private static String roles(ApiKey key) {
    return key.getRolesList().stream().map(ApiKeyRoles::name).collect(Collectors.joining(","));
  }

  private static void print(ApiKey key) {
    Output.line("name", key.getName());
    Output.line("roles", roles(key));
    Output.line("scope", scope(key));
    Output.line("hint", key.getHint());
  }
}
