package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kcid account create|get|list|update|rotate-secret}. */
@Command(
    name = "account",
    mixinStandardHelpOptions = true,
    footer = {
      "%nExamples:",
      "  ./kcid account create --name \"Acme Shoes\" --id acme",
      "  ./kcid account create --partner agency-one --name Shoes --id shoes",
      "  ./kcid account list --partner agency-one",
      "  ./kcid account update shoes --partner agency-two"},
    description = "Create and read advertiser accounts.",
    subcommands = {AccountCommand.Create.class, AccountCommand.Get.class, AccountCommand.ListAll.class,
        AccountCommand.Update.class, AccountCommand.RotateSecret.class})
final class AccountCommand {

  @Command(name = "create", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid account create --name \"Acme Shoes\" --id acme"},
      description = "Create an account; prints its postback token and click secret once and keeps a copy in $KCID_HOME/accounts.")
  static final class Create implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--name", required = true, description = "Display name.")
    String name;

    @Option(names = "--id", defaultValue = "", description = "Account id [a-z0-9_-]{1,64}; generated when omitted.")
    String id;

    @Option(names = "--kcid-param", defaultValue = "", description = "Landing-page parameter for the kcid. Default: kcid")
    String kcidParameter;

    @Option(names = "--partner", defaultValue = "",
        description = "Partner that owns the account (its defaults apply); the default partner when omitted.")
    String partner;

    @Option(names = "--time-zone", defaultValue = "",
        description = "IANA time zone of the account's stats, e.g. Europe/Berlin. Default: the partner's, else UTC")
    String timeZone;

    @Option(names = "--currency", defaultValue = "",
        description = "ISO 4217 code of postback values that name none, e.g. EUR. Default: the partner's")
    String currency;

    @Option(names = "--reporting-currency", defaultValue = "",
        description = "ISO 4217 code the account reports in: values in other currencies are converted at the rate of"
            + " their day (./kcid fx load). Default: none")
    String reportingCurrency;

    /** Default: the partner's. */
    @Mixin StatusMapOptions statuses;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "account.account_id");
      try (GrpcOptions channel = grpc) {
        var request = CreateAccountRequest.newBuilder().setAccountId(id).setDisplayName(name)
            .setKcidParameter(kcidParameter).setPartnerId(partner).setTimeZone(timeZone)
            .setCurrencyCode(currency.toUpperCase(java.util.Locale.ROOT))
            .setReportingCurrency(reportingCurrency.trim().toUpperCase(java.util.Locale.ROOT))
            .putAllStatusMap(statuses.map()).setPostbackResponseFormat(statuses.format());
        if (statuses.ignoreStatus != null) {
          request.setIgnoreStatus(statuses.ignoreStatus);
        }
        var created = grpc.admin().createAccount(request.build());
        var path = LocalCredentials.save(created.getAccount().getAccountId(),
            new LocalCredentials.Secrets(created.getSecrets().getPostbackToken(), created.getSecrets().getClickSecret(),
                created.getSecrets().getPostbackSigningSecret()));
        ObjectNode json = CliJson.object(created);
        // The whole token is right beside it: its hint (for get and list, which never show the token) would only confuse.
        ((ObjectNode) json.get("account")).remove("postback_token_hint");
        json.put("saved_to", path.toString());
        out.print(json, () -> {
          Output.line("account", created.getAccount().getAccountId());
          Output.line("name", created.getAccount().getDisplayName());
          Output.line("partner", created.getAccount().getPartnerId());
          Output.line("time zone", created.getAccount().getTimeZone());
          if (!created.getAccount().getCurrencyCode().isEmpty()) {
            Output.line("currency", created.getAccount().getCurrencyCode());
          }
          if (!created.getAccount().getReportingCurrency().isEmpty()) {
            Output.line("reports in", created.getAccount().getReportingCurrency());
          }
          Output.line("postback token", created.getSecrets().getPostbackToken());
          Output.line("click secret", created.getSecrets().getClickSecret());
          Output.line("signing secret", created.getSecrets().getPostbackSigningSecret());
          Output.line("saved to", path);
          System.out.println("The token and secret are shown once; keep them safe.");
        });
      }
    }
  }

  @Command(name = "get", aliases = "show", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid account get acme"},
      description = "Show one account: its settings, status map and response format included.")
  static final class Get implements Runnable {
    @Mixin GrpcOptions grpc;

    @picocli.CommandLine.Parameters(index = "0", description = "Account id.")
    String id;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "account_id");
      try (GrpcOptions channel = grpc) {
        Account a = grpc.admin().getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
        out.print(a, () -> print(a));
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      footer = {"%nExamples:", "  ./kcid account list", "  ./kcid account list --partner agency-one"},
      description = "List accounts.")
  static final class ListAll implements Runnable {
    @Mixin GrpcOptions grpc;

    @Option(names = "--partner", defaultValue = "", description = "Only the accounts of this partner.")
    String partner;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.items("accounts"), "account_id");
      try (GrpcOptions channel = grpc) {
        var page = grpc.admin().listAccounts(
            ListAccountsRequest.newBuilder().setPageSize(1000).setPartnerId(partner).build());
        out.print(page, () ->
            page.getAccountsList().forEach(a -> System.out.println(a.getAccountId() + "\t" + a.getDisplayName())));
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      footer = {
        "%nExamples:",
        "  ./kcid account update acme --auth token,signature --signature-tolerance 300s",
        "  ./kcid account update acme --allow-ip 203.0.113.0/24 --default-goal purchase",
        "  ./kcid account update acme --partner agency-two",
        "  ./kcid account update acme --time-zone Europe/Berlin --currency EUR",
        "  ./kcid account update acme --status-map 'sale=approved,chargeback=rejected'",
        "  ./kcid account update acme --response-format text-ok",
        "  ./kcid account update acme --flagged-clicks pending --velocity-limit 20"},
      description = "Change account settings; --partner moves the account (its clicks, conversions, goals, secrets and"
          + " stats stay with it).")
  static final class Update implements Runnable {
    @Mixin GrpcOptions grpc;

    @picocli.CommandLine.Parameters(index = "0", description = "Account id.")
    String id;

    @Option(names = "--name", description = "Display name.")
    String name;

    @Option(names = "--kcid-param", description = "Landing-page parameter for the kcid.")
    String kcidParameter;

    @Option(names = "--default-goal", description = "Goal of postbacks that name none.")
    String defaultGoal;

    @Option(names = "--legacy-200", arity = "1", description = "true: answer every postback with HTTP 200 (reason in the body).")
    Boolean legacy200;

    @Option(names = "--auth", split = ",", description = "Accepted postback credentials, replacing the current ones: token, signature"
        + " (comma-separated); '' (or none) for IP-only, which needs an allowlist. Other auth settings are kept.")
    java.util.List<String> auth;

    @Option(names = "--allow-ip", split = ",", description = "IP addresses / CIDR blocks postbacks must come from, replacing the"
        + " current list ('' lifts it). The accepted credentials are kept.")
    java.util.List<String> allowIps;

    @Option(names = "--signature-tolerance", description = "Replay window of signed postbacks, e.g. 300s. Other auth settings are kept.")
    String tolerance;

    @Option(names = "--partner", description = "Move the account to this partner; its S2S switch applies from then on.")
    String partner;

    @Option(names = "--time-zone", description = "IANA time zone of the account's stats, e.g. Europe/Berlin.")
    String timeZone;

    @Option(names = "--currency", description = "ISO 4217 code of postback values that name none, e.g. EUR ('' clears it).")
    String currency;

    @Option(names = "--reporting-currency", description = "ISO 4217 code the account reports in ('' stops converting;"
        + " conversions already recorded keep their rate).")
    String reportingCurrency;

    @Mixin StatusMapOptions statuses;

    @Option(names = "--flagged-clicks", description = "A conversion on a click flagged as a bot or data-centre traffic:"
        + " accept (default), pending or reject; it carries the reason CLICK_FLAGGED_BOT or _DATACENTER.")
    String flaggedClicks;

    @Option(names = "--velocity-limit", description = "More than N conversions within a minute from clicks of one /24"
        + " (IPv6 /48) get VELOCITY_EXCEEDED; 0 turns the rule off. Applies to clicks issued while it is on.")
    Integer velocityLimit;

    @Option(names = "--velocity-action", description = "A conversion over the velocity limit: accept (default), pending or reject.")
    String velocityAction;

    @Override
    public void run() {
      Output out = new Output(grpc.output, Output.itself(), "account_id");
      try (GrpcOptions channel = grpc) {
        var request = io.kcid.proto.tracking.v1.UpdateAccountRequest.newBuilder().setAccountId(id);
        if (flaggedClicks != null) {
          request.setFlaggedClickAction(suspectAction("--flagged-clicks", flaggedClicks));
        }
        if (velocityLimit != null) {
          if (velocityLimit < 0) {
            throw new CliException("--velocity-limit " + velocityLimit + ": expected 0 (off) or more");
          }
          request.setVelocityLimit(velocityLimit);
        }
        if (velocityAction != null) {
          request.setVelocityAction(suspectAction("--velocity-action", velocityAction));
        }
        if (name != null) {
          request.setDisplayName(name);
        }
        if (kcidParameter != null) {
          request.setKcidParameter(kcidParameter);
        }
        if (defaultGoal != null) {
          request.setDefaultGoalKey(defaultGoal);
        }
        if (legacy200 != null) {
          request.setLegacyHttp200(legacy200);
        }
        if (partner != null) {
          request.setPartnerId(partner);
        }
        if (timeZone != null) {
          request.setTimeZone(timeZone);
        }
        if (currency != null) {
          request.setCurrencyCode(currency.trim().toUpperCase(java.util.Locale.ROOT));
        }
        if (reportingCurrency != null) {
          request.setReportingCurrency(reportingCurrency.trim().toUpperCase(java.util.Locale.ROOT));
        }
        if (statuses.statusMap != null) {
          request.putAllStatusMap(statuses.map()).setUpdateStatusMap(true);
        }
        if (statuses.ignoreStatus != null) {
          request.setIgnoreStatus(statuses.ignoreStatus);
        }
        request.setPostbackResponseFormat(statuses.format());
        if (auth != null || allowIps != null || tolerance != null) {
          // Each flag names one setting; the server keeps the ones not named.
          var policy = io.kcid.proto.tracking.v1.PostbackAuth.newBuilder();
          if (auth != null) {
            policy.addAllMethods(methods(auth));
            request.setUpdateAuthMethods(true);
          }
          if (allowIps != null) {
            policy.addAllIpAllowlist(allowIps.stream().map(String::trim).filter(ip -> !ip.isEmpty()).toList());
            request.setUpdateIpAllowlist(true);
          }
          if (tolerance != null) {
            policy.setSignatureTolerance(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(tolerance).getSeconds()));
          }
          request.setPostbackAuth(policy);
        }
        Account a = grpc.admin().updateAccount(request.build()).getAccount();
        out.print(a, () -> print(a));
      }
    }
  }

  /** {@code accept|pending|reject}. */
  static io.kcid.proto.tracking.v1.SuspectAction suspectAction(String option, String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "accept" -> io.kcid.proto.tracking.v1.SuspectAction.SUSPECT_ACTION_ACCEPT;
      case "pending" -> io.kcid.proto.tracking.v1.SuspectAction.SUSPECT_ACTION_PENDING;
      case "reject" -> io.kcid.proto.tracking.v1.SuspectAction.SUSPECT_ACTION_REJECT;
      default -> throw new CliException(option + " " + value + ": expected accept, pending or reject");
    };
  }

  /** accept, pending or reject, as the options name them. */
  static String actionName(io.kcid.proto.tracking.v1.SuspectAction action) {
    return switch (action) {
      case SUSPECT_ACTION_PENDING -> "pending";
      case SUSPECT_ACTION_REJECT -> "reject";
      default -> "accept";
    };
  }

  /** {@code --auth token,signature}; {@code ''} or {@code none} alone means no method (IP-only). */
  static java.util.List<io.kcid.proto.tracking.v1.PostbackAuthMethod> methods(java.util.List<String> names) {
    var blank = names.stream().allMatch(n -> n.isBlank());
    if (blank || names.size() == 1 && names.get(0).trim().equals("none")) {
      return java.util.List.of();
    }
    var methods = new java.util.ArrayList<io.kcid.proto.tracking.v1.PostbackAuthMethod>();
    for (String method : names) {
      methods.add(switch (method.trim()) {
        case "token" -> io.kcid.proto.tracking.v1.PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN;
        case "signature" -> io.kcid.proto.tracking.v1.PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE;
        case "" -> throw new CliException("--auth: empty method in '" + String.join(",", names) + "'");
        default -> throw new CliException("--auth " + method + ": expected token, signature, or '' (none) for IP-only");
      });
    }
    return methods;
  }

  @Command(name = "rotate-secret", mixinStandardHelpOptions = true,
      footer = {"%nExample:", "  ./kcid account rotate-secret acme --kind postback-token --grace 24h"},
      description = "Replace a secret; the previous one stays valid for --grace. Updates the saved copy.")
  static final class RotateSecret implements Runnable {
    @Mixin GrpcOptions grpc;

    @picocli.CommandLine.Parameters(index = "0", description = "Account id.")
    String id;

    @Option(names = "--kind", required = true, description = "postback-token | click-secret | signing-secret")
    String kind;

    @Option(names = "--grace", defaultValue = "24h", description = "How long the previous secret stays valid (0s revokes it now). Default: ${DEFAULT-VALUE}")
    String grace;

    @Override
    public void run() {
      var secretKind = switch (kind) {
        case "postback-token" -> io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_POSTBACK_TOKEN;
        case "click-secret" -> io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_CLICK_SECRET;
        case "signing-secret" -> io.kcid.proto.tracking.v1.SecretKind.SECRET_KIND_POSTBACK_SIGNING_SECRET;
        default -> throw new CliException("--kind " + kind + ": expected postback-token, click-secret or signing-secret");
      };
      Output out = new Output(grpc.output, Output.itself(), null);
      try (GrpcOptions channel = grpc) {
        var rotated = grpc.admin().rotateAccountSecret(io.kcid.proto.tracking.v1.RotateAccountSecretRequest.newBuilder()
            .setAccountId(id).setKind(secretKind)
            .setGracePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(Durations.parse(grace).getSeconds()))
            .build());
        var s = rotated.getSecrets();
        var changes = new LocalCredentials.Secrets(
            s.getPostbackToken().isEmpty() ? null : s.getPostbackToken(),
            s.getClickSecret().isEmpty() ? null : s.getClickSecret(),
            s.getPostbackSigningSecret().isEmpty() ? null : s.getPostbackSigningSecret());
        LocalCredentials.save(id, LocalCredentials.load(id).map(old -> old.with(changes)).orElse(changes));
        out.print(rotated, () -> {
          Output.line("new secret", s.getPostbackToken() + s.getClickSecret() + s.getPostbackSigningSecret());
          Output.line("previous until", rotated.hasPreviousExpireTime()
              ? CliWords.time(rotated.getPreviousExpireTime()) : "revoked now");
        });
      }
    }
  }

  static void print(Account a) {
    Output.line("account", a.getAccountId());
    Output.line("name", a.getDisplayName());
    // Accounts stored before partners name none: they belong to the default partner.
    Output.line("partner", a.getPartnerId().isEmpty() ? "default" : a.getPartnerId());
    Output.line("time zone", a.getTimeZone().isEmpty() ? "UTC" : a.getTimeZone());
    Output.line("currency", a.getCurrencyCode().isEmpty() ? "(none: postbacks name it)" : a.getCurrencyCode());
    Output.line("reports in", a.getReportingCurrency().isEmpty() ? "(each value's own currency)" : a.getReportingCurrency());
    Output.line("kcid parameter", a.getKcidParameter());
    Output.line("default goal", a.getDefaultGoalKey());
    Output.line("token hint", a.getPostbackTokenHint());
    Output.line("click retention", CliWords.duration(a.getClickRetention()));
    Output.line("legacy 200", a.getLegacyHttp200());
    Output.line("status map", StatusMapOptions.text(a.getStatusMapMap()));
    Output.line("ignore status", a.getIgnoreStatus());
    Output.line("response format", StatusMapOptions.text(a.getPostbackResponseFormat()));
    var auth = a.getPostbackAuth();
    String methods = auth.getMethodsCount() == 0
        ? (auth.getIpAllowlistCount() == 0 ? "[token]" : "[] (IP only)")
        : auth.getMethodsList().stream()
            .map(m -> m.name().replace("POSTBACK_AUTH_METHOD_", "").toLowerCase(java.util.Locale.ROOT)).toList().toString();
    Output.line("postback auth", methods
        + (auth.getIpAllowlistCount() > 0 ? " from " + auth.getIpAllowlistList() : ""));
    if (auth.hasSignatureTolerance()) {
      Output.line("signature tolerance", CliWords.duration(auth.getSignatureTolerance()));
    }
    Output.line("flagged clicks", actionName(a.getFlaggedClickAction()));
    Output.line("velocity", a.getVelocityLimit() == 0 ? "off"
        : "over " + a.getVelocityLimit() + " a minute per /24: " + actionName(a.getVelocityAction()));
  }
}
