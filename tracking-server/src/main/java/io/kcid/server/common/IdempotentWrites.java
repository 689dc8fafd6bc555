package io.kcid.server.common;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.store.AccountStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * {@code request_id} idempotency for account-scoped writes (accounts, goals, secrets, clicks): the
 * first call claims the id, a retry gets the first answer back. A definite failure releases the id
 * so a corrected retry can run; an unknown outcome keeps it claimed for a minute, during which a
 * retry is told REQUEST_IN_PROGRESS rather than risk running twice.
 */
public final class IdempotentWrites {
  private final AccountStore store;

  public IdempotentWrites(AccountStore store) {
    this.store = store;
  }

  public <T extends Message> CompletionStage<T> run(
      String accountId, String requestId, String fingerprint, Parser<T> parser,
      Supplier<CompletionStage<T>> write) {
    if (requestId.isEmpty()) {
      return write.get();
    }
    Identifiers.requestId(requestId);
    return store
        .beginRequest(accountId, requestId, fingerprint)
        .thenCompose(
            earlier -> {
              if (earlier.isPresent()) {
                var reply = earlier.get();
                if (!reply.sameRequest()) {
                  throw new KcidException(
                      ErrorReason.ERROR_REASON_REQUEST_ID_REUSED,
                      "request_id '" + requestId + "' was already used for a different request.");
                }
                if (reply.inProgress()) {
                  throw new KcidException(
                      ErrorReason.ERROR_REASON_REQUEST_IN_PROGRESS,
                      "A request with request_id '" + requestId + "' is still running; retry shortly.");
                }
                try {
                  return CompletableFuture.completedFuture(parser.parseFrom(reply.reply()));
                } catch (InvalidProtocolBufferException e) {
                  throw new IllegalStateException("Corrupt stored reply", e);
                }
              }
              return execute(accountId, requestId, fingerprint, write);
            });
  }

  private <T extends Message> CompletionStage<T> execute(
      String accountId, String requestId, String fingerprint, Supplier<CompletionStage<T>> write) {
    CompletionStage<T> stage;
    try {
      stage = write.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage
        .handle(
            (value, failure) -> {
              if (failure == null) {
                return store
                    .completeRequest(accountId, requestId, fingerprint, value.toByteArray())
                    .thenApply(x -> value);
              }
              Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause() : failure;
              boolean definite = cause instanceof KcidException k && !ErrorReasons.isRetryable(k.reason());
              CompletionStage<Void> cleanup = definite
                  ? store.abandonRequest(accountId, requestId)
                  : CompletableFuture.completedFuture(null);
              return cleanup.<T>thenApply(x -> {
                throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
              });
            })
        .thenCompose(s -> s);
  }

  /** A short digest of a request for spotting a reused request id (the id itself excluded). */
  public static String fingerprint(Message request, com.google.protobuf.Descriptors.FieldDescriptor requestIdField) {
    Message withoutId = request.toBuilder().clearField(requestIdField).build();
    try {
      // Deterministic: map fields would otherwise serialize in any order.
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      withoutId.writeTo(out);
      out.flush();
      return Secrets.sha256Hex(java.util.Base64.getEncoder().encodeToString(bytes.toByteArray())).substring(0, 16);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
