package io.kcid.edge.grpc;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** Attaches the edge's API key to every backend call, as {@code authorization: Bearer <key>}. */
public final class BackendAuth {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private BackendAuth() {}

  public static ClientInterceptor bearer(String apiKey) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + apiKey);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }
}
