package io.kcid.server.auth;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickVerifier;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListAccountsResponse;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.ListPartnersResponse;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import io.kcid.server.auth.MethodRoles.Rule;
import io.kcid.server.auth.MethodRoles.Tenant;
import io.kcid.server.common.GrpcErrors;
import io.kcid.server.partner.Partners;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Holds keys scoped to a partner or an account to their scope, as the tenant column of
 * {@link MethodRoles} says. The request is checked before the service sees it (the tenant is in
 * the request, or behind the kcid it names); answers of deployment-wide lists are cut down to the
 * scope on their way out. Platform keys, open methods and any-scope methods pass untouched, so the
 * hot path of the deployment's own edges and ad servers pays nothing. A refusal is
 * PERMISSION_DENIED with API_KEY_SCOPE_DENIED naming the key's scope and the one the call needs.
 */
public final class ScopeInterceptor implements ServerInterceptor {
  private static final CompletableFuture<Void> ALLOWED = CompletableFuture.completedFuture(null);
  private static final String CREATE_ACCOUNT = AdminServiceGrpc.getCreateAccountMethod().getFullMethodName();

  private final Tenants tenants;

  public ScopeInterceptor(Tenants tenants) {
    this.tenants = tenants;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ApiKeys.Caller caller = ApiKeyInterceptor.CALLER_KEY.get();
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<Rule> rule = MethodRoles.ruleFor(method);
    if (caller == null || caller.scope().isPlatform() || rule.isEmpty() || rule.get().tenant() == Tenant.NONE) {
      return next.startCall(call, headers);
    }
    Tenant tenant = rule.get().tenant();
    if (tenant == Tenant.PLATFORM) {
      close(call, refusal(caller, method + " is for platform keys", "platform"));
      return new ServerCall.Listener<>() {};
    }
    ServerCall<Q, A> answered = tenant == Tenant.LISTED ? new ScopedAnswers<>(call, caller.scope()) : call;
    ServerCall.Listener<Q> handler = next.startCall(answered, headers);
    return new CheckedFirst<>(call, handler, request -> check(caller, tenant, method, (Message) request));
  }

  /** Whether answers of this type are cut down to a scope (every LISTED method's answer must be). */
  static boolean filters(Class<?> answerType) {
    return List.of(ListAccountsResponse.class, ListPartnersResponse.class, ListClickVerifiersResponse.class,
        WatchClickVerifiersResponse.class).contains(answerType);
  }

  private CompletionStage<Void> check(ApiKeys.Caller caller, Tenant tenant, String method, Message request) {
    return switch (tenant) {
      case ACCOUNT -> request instanceof UpdateAccountRequest update && update.hasPartnerId()
          ? failed(refusal(caller, "moving an account to another partner", "platform"))
          : account(caller, text(request, "account_id"));
      case PARTNER -> partner(caller, method.equals(CREATE_ACCOUNT) && text(request, "partner_id").isEmpty()
          ? Partners.DEFAULT_ID : text(request, "partner_id"));
      case ACCOUNT_OR_PARTNER -> text(request, "account_id").isEmpty()
          ? partner(caller, text(request, "partner_id"))
          : account(caller, text(request, "account_id"));
      case CLICK -> click(caller, request);
      case ITEMS -> items(request, item -> click(caller, item));
      case ACCOUNT_ITEMS -> items(request, item -> account(caller, text(item, "account_id")));
      case LISTED -> listed(caller, request);
      case NONE, PLATFORM -> ALLOWED;
    };
  }

  private CompletionStage<Void> account(ApiKeys.Caller caller, String accountId) {
    KeyScope scope = caller.scope();
    if (accountId.isEmpty()) {
      return failed(refusal(caller, "a call that names no account (a scoped key must give account_id)", "platform"));
    }
    if (scope.kind() == KeyScope.Kind.ACCOUNT) {
      return scope.accountId().equals(accountId) ? ALLOWED : failed(refusal(caller, "account '" + accountId + "'", "account:" + accountId));
    }
    return tenants
        .partnerOf(accountId)
        .thenCompose(
            owner -> owner.isPresent() && scope.ownsAccount(accountId, owner.get())
                ? ALLOWED
                : failed(refusal(caller, "account '" + accountId + "'", "account:" + accountId)));
  }

  private CompletionStage<Void> partner(ApiKeys.Caller caller, String partnerId) {
    if (partnerId.isEmpty()) {
      return failed(refusal(caller, "a call that names no partner (a scoped key must give partner_id)", "platform"));
    }
    return caller.scope().ownsPartner(partnerId)
        ? ALLOWED
        : failed(refusal(caller, "partner '" + partnerId + "'", "partner:" + partnerId));
  }

  /** The account named (if any) and the account of the click named must both be in scope. */
  private CompletionStage<Void> click(ApiKeys.Caller caller, Message request) {
    String named = text(request, "account_id");
    CompletionStage<Void> namedAccount = named.isEmpty() ? ALLOWED : account(caller, named);
    String id = text(request, "conversion_id").isEmpty() ? text(request, "kcid") : text(request, "conversion_id");
    if (id.isEmpty()) {
      return namedAccount;
    }
    // A click that is not stored touches nothing: the service answers it (not found, malformed).
    return namedAccount
        .thenCompose(ok -> tenants.accountOfClick(id))
        .thenCompose(owner -> owner.isEmpty() ? ALLOWED : account(caller, owner.get()));
  }

  /** Checks each item of the request's {@code items} in turn; the first refusal names its index. */
  private static CompletionStage<Void> items(Message request, Function<Message, CompletionStage<Void>> itemCheck) {
    FieldDescriptor items = request.getDescriptorForType().findFieldByName("items");
    CompletionStage<Void> all = ALLOWED;
    for (int i = 0; i < request.getRepeatedFieldCount(items); i++) {
      Message item = (Message) request.getRepeatedField(items, i);
      int index = i;
      all = all.thenCompose(ok -> itemCheck.apply(item).exceptionallyCompose(failure -> failed(itemRefusal(index, failure))));
    }
    return all;
  }

  private CompletionStage<Void> listed(ApiKeys.Caller caller, Message request) {
    if (!text(request, "account_id").isEmpty()) {
      return account(caller, text(request, "account_id"));
    }
    return text(request, "partner_id").isEmpty() ? ALLOWED : partner(caller, text(request, "partner_id"));
  }

  private static String text(Message request, String field) {
    FieldDescriptor descriptor = request.getDescriptorForType().findFieldByName(field);
    return descriptor == null ? "" : (String) request.getField(descriptor);
  }

  private static KcidException refusal(ApiKeys.Caller caller, String what, String needed) {
    return new KcidException(
        ErrorReason.ERROR_REASON_API_KEY_SCOPE_DENIED,
        "API key '" + caller.name() + "' is scoped to " + caller.scope() + "; " + what + " is outside it.",
        Map.of("scope", caller.scope().toString(), "needed", needed));
  }

  /** A batch item's refusal, with the item's index in front, so the sender knows which one. */
  private static Throwable itemRefusal(int index, Throwable failure) {
    Throwable cause = failure.getCause() != null && !(failure instanceof KcidException) ? failure.getCause() : failure;
    if (cause instanceof KcidException k) {
      Map<String, String> metadata = new java.util.HashMap<>(k.metadata());
      metadata.put("index", Integer.toString(index));
      return new KcidException(k.reason(), "items[" + index + "]: " + k.getMessage(), metadata);
    }
    return cause;
  }

  private static CompletableFuture<Void> failed(Throwable failure) {
    return CompletableFuture.failedFuture(failure);
  }

  private static void close(ServerCall<?, ?> call, Throwable failure) {
    StatusRuntimeException refused = GrpcErrors.toStatus(failure);
    call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
  }

  /**
   * Holds the request back from the service until its scope check is done. The methods checked
   * take one request (unary and server-streaming), so the service starts on the half-close; when
   * the check completes later, on a store thread, the service is started there, in the call's
   * context, and never concurrently with a cancellation.
   */
  private static final class CheckedFirst<Q> extends ServerCall.Listener<Q> {
    private final ServerCall<Q, ?> call;
    private final ServerCall.Listener<Q> handler;
    private final Function<Q, CompletionStage<Void>> check;
    private final Object lock = new Object();
    private Q request;
    private CompletableFuture<Void> verdict;
    private boolean cancelled;
    private boolean decided;

    CheckedFirst(ServerCall<Q, ?> call, ServerCall.Listener<Q> handler, Function<Q, CompletionStage<Void>> check) {
      this.call = call;
      this.handler = handler;
      this.check = check;
    }

    @Override
    public void onMessage(Q message) {
      if (verdict != null) {
        handler.onMessage(message);
        return;
      }
      request = message;
      try {
        verdict = check.apply(message).toCompletableFuture();
      } catch (RuntimeException invalid) {
        verdict = failed(invalid);
      }
    }

    @Override
    public void onHalfClose() {
      if (verdict == null) {
        handler.onHalfClose();
        return;
      }
      Context context = Context.current();
      verdict.whenComplete((ok, failure) -> context.run(() -> decide(failure)));
    }

    private void decide(Throwable failure) {
      synchronized (lock) {
        if (cancelled || decided) {
          return;
        }
        decided = true;
        if (failure != null) {
          close(call, failure);
          return;
        }
        handler.onMessage(request);
        handler.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      synchronized (lock) {
        cancelled = true;
      }
      handler.onCancel();
    }

    @Override
    public void onComplete() {
      handler.onComplete();
    }

    @Override
    public void onReady() {
      handler.onReady();
    }
  }

  /** Cuts the answers of a deployment-wide list down to what the scope covers. */
  private static final class ScopedAnswers<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
    private final KeyScope scope;

    ScopedAnswers(ServerCall<Q, A> call, KeyScope scope) {
      super(call);
      this.scope = scope;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void sendMessage(A answer) {
      super.sendMessage((A) cut(answer));
    }

    private Object cut(Object answer) {
      if (answer instanceof ListAccountsResponse accounts) {
        return accounts.toBuilder().clearAccounts()
            .addAllAccounts(accounts.getAccountsList().stream()
                .filter(a -> scope.ownsAccount(a.getAccountId(), a.getPartnerId())).toList())
            .build();
      }
      if (answer instanceof ListPartnersResponse partners) {
        return partners.toBuilder().clearPartners()
            .addAllPartners(partners.getPartnersList().stream().filter(p -> scope.ownsPartner(p.getPartnerId())).toList())
            .build();
      }
      if (answer instanceof ListClickVerifiersResponse verifiers) {
        return verifiers.toBuilder().clearVerifiers().addAllVerifiers(visible(verifiers.getVerifiersList())).build();
      }
      if (answer instanceof WatchClickVerifiersResponse changes) {
        return changes.toBuilder().clearVerifiers().addAllVerifiers(visible(changes.getVerifiersList())).build();
      }
      throw new IllegalStateException("no scope filter for " + answer.getClass().getName());
    }

    private List<ClickVerifier> visible(List<ClickVerifier> verifiers) {
      return verifiers.stream().filter(v -> scope.ownsAccount(v.getAccountId(), v.getPartnerId())).toList();
    }
  }
}
