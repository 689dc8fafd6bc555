package io.kcid.cli;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid account create|get|list}. */
@Command(
    name = "account",
    mixinStandardHelpOptions = true,
    description = "Create and read advertiser accounts.",
    subcommands = {AccountCommand.Create.class, AccountCommand.Get.class, AccountCommand.ListAll.class})
final class AccountCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create an account; prints its postback token and click secret once and keeps a copy in $KCID_HOME/accounts.")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--name", required = true, description = "Display name.")
    String name;

    @Option(names = "--id", defaultValue = "", description = "Account id [a-z0-9_-]{1,64}; generated when omitted.")
    String id;

    @Option(names = "--kcid-param", defaultValue = "", description = "Landing-page parameter for the kcid. Default: kcid")
    String kcidParameter;

    @Override
    public void run() {
      try (GrpcOptions channel = grpc) {
        var created = grpc.admin().createAccount(
            CreateAccountRequest.newBuilder().setAccountId(id).setDisplayName(name).setKcidParameter(kcidParameter).build());
        var path = LocalCredentials.save(created.getAccount().getAccountId(),
            new LocalCredentials.Secrets(created.getSecrets().getPostbackToken(), created.getSecrets().getClickSecret()));
        if (grpc.json) {
          System.out.println(Output.json(created));
          return;
        }
        Output.line("account", created.getAccount().getAccountId());
        Output.line("name", created.getAccount().getDisplayName());
        Output.line("postback token", created.getSecrets().getPostbackToken());
        Output.line("click secret", created.getSecrets().getClickSecret());
        Output.line("saved to", path);
        System.out.println("The token and secret are shown once; keep them safe.");
      }
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one account.")
  static final class Get implements Runnable {
    @Mixin GrpcOptions grpc;

    @picocli.CommandLine.Parameters(index = "0", description = "Account id.")
    String id;

    @Override
    public void run() {
      try (GrpcOptions channel = grpc) {
        Account a = grpc.admin().getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
        if (grpc.json) {
          System.out.println(Output.json(a));
          return;
        }
        print(a);
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List accounts.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Override
    public void run() {
      try (GrpcOptions channel = grpc) {
        var page = grpc.admin().listAccounts(ListAccountsRequest.newBuilder().setPageSize(1000).build());
        if (grpc.json) {
          System.out.println(Output.json(page));
          return;
        }
        page.getAccountsList().forEach(a -> System.out.println(a.getAccountId() + "\t" + a.getDisplayName()));
      }
    }
  }

  static void print(Account a) {
    Output.line("account", a.getAccountId());
    Output.line("name", a.getDisplayName());
    Output.line("kcid parameter", a.getKcidParameter());
    Output.line("default goal", a.getDefaultGoalKey());
    Output.line("token hint", a.getPostbackTokenHint());
    Output.line("click retention", a.getClickRetention().getSeconds() / 86400 + " days");
  }
}
