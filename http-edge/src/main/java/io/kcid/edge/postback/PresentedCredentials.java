package io.kcid.edge.postback;

import com.google.protobuf.ByteString;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.proto.GrpcLimits;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.netty.handler.codec.http.FullHttpRequest;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Everything a postback request presents to authenticate, except the token (which the parameters
 * resolve): the client address and, when {@code X-Kcid-Signature} is present, the signature, its
 * timestamp and what it covers. The edge verifies none of it; the tracking-server does, because only
 * it knows the account's settings (token, signature, IP allowlist, or several).
 */
final class PresentedCredentials {
  /**
   * The tracking-server refuses gRPC messages over {@link GrpcLimits#MAX_MESSAGE_BYTES} (16 MiB, its
   * {@code maxInboundMessageSize}). A request over it would fail as RESOURCE_EXHAUSTED, which looks
   * like "retry later" to the sender and would be retried forever, so the edge refuses it up front as 413.
   */
  static final int MAX_BACKEND_MESSAGE_BYTES = GrpcLimits.MAX_MESSAGE_BYTES;

  private static final String FORWARDED_FOR = "X-Forwarded-For";

  private PresentedCredentials() {}

  /** The client address: the TCP peer, or from {@code X-Forwarded-For} when the peer is a trusted proxy. */
  static String clientIp(FullHttpRequest request, SocketAddress peer, ClientIpResolver resolver) {
    return resolver.resolve(peer, request.headers().getAll(FORWARDED_FOR));
  }

  /**
   * The credentials without the token.
   *
   * @param signedBody the raw body a POST signature covers (only used with a signature), or null
   * @param signedQuery the decoded query parameters a GET signature covers (only used with a signature), or null
   */
  static PostbackCredentials of(
      String clientIp, SignatureHeader signature, byte[] signedBody, Map<String, String> signedQuery) {
    PostbackCredentials.Builder credentials = PostbackCredentials.newBuilder().setClientIp(clientIp);
    if (signature != null) {
      credentials.setSignature(signature.signature()).setSignatureTimestamp(signature.timestamp());
      if (signedBody != null) {
        credentials.setSignedBody(ByteString.copyFrom(signedBody));
      }
      if (signedQuery != null) {
        credentials.putAllSignedQuery(signedQuery);
      }
    }
    return credentials.build();
  }

  /** Decoded query parameters, one value per name (the caller has rejected names with different values). */
  static Map<String, String> singleValued(Map<String, List<String>> query) {
    Map<String, String> single = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
      single.put(parameter.getKey(), parameter.getValue().isEmpty() ? "" : parameter.getValue().get(0));
    }
    return single;
  }

  /** Refuses (413) a backend message the tracking-server would not accept. */
  static void requireForwardable(int serializedSize) {
    if (serializedSize > MAX_BACKEND_MESSAGE_BYTES) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_PAYLOAD_TOO_LARGE,
          "The request is too large to forward (a signed batch carries its body once per item): send fewer or smaller postbacks.");
    }
  }
}
