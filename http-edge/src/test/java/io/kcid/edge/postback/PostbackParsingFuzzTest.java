package io.kcid.edge.postback;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the edge's postback parsing: query strings with the two headers a postback may carry,
 * JSON bodies (one postback, and batches), and the signature header. The only documented failure is
 * a {@link Rejection} with a reason answered 4xx; anything else is a finding.
 */
class PostbackParsingFuzzTest {
  private static void assertClientError(Rejection rejection) {
    assertThat(rejection.reason()).isNotNull();
    assertThat(ErrorReasons.httpStatus(rejection.reason())).isBetween(400, 499);
    assertThat(rejection.getMessage()).isNotBlank();
  }

  @FuzzTest(maxDuration = "10s")
  void queryPostbacksParseOrAreRejected(FuzzedDataProvider data) {
    String query = data.consumeString(600);
    String authorization = data.consumeString(80);
    String idempotencyKey = data.consumeRemainingAsString();
    HttpHeaders headers = new DefaultHttpHeaders(false);
    if (!authorization.isEmpty()) {
      headers.add("Authorization", authorization);
    }
    if (!idempotencyKey.isEmpty()) {
      headers.add("Idempotency-Key", idempotencyKey);
    }
    try {
      PostbackParameters parameters = new PostbackParameters();
      for (Map.Entry<String, List<String>> p : QueryParams.parameters(QueryParams.uri("/postback?" + query)).entrySet()) {
        PostbackBody.addAll(parameters, p.getKey(), p.getValue());
      }
      RecordConversionRequest request =
          PostbackRequestParser.parse(parameters, PostbackRequestParser.Outer.of(headers), PostbackCredentials.getDefaultInstance())
              .request();
      assertThat(request.getKcid()).isNotEmpty();
      assertThat(RecordConversionRequest.parseFrom(request.toByteArray())).isEqualTo(request);
    } catch (Rejection rejection) {
      assertClientError(rejection);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void jsonBodiesParseOrAreRejected(byte[] body) {
    try {
      JsonBodyParser.parse(body, new PostbackParameters());
    } catch (Rejection rejection) {
      assertClientError(rejection);
    }
    try {
      List<BatchBodyParser.Item> items = BatchBodyParser.parse(body);
      assertThat(items).allSatisfy(item -> {
        if (item.problem() != null) {
          assertClientError(item.problem());
        }
      });
    } catch (Rejection rejection) {
      assertClientError(rejection);
    }
  }

  @FuzzTest(maxDuration = "10s")
  void signatureHeadersParseOrAreRejected(FuzzedDataProvider data) {
    HttpHeaders headers = new DefaultHttpHeaders(false);
    int count = data.consumeInt(0, 2);
    for (int i = 0; i < count; i++) {
      headers.add(SignatureHeader.NAME, data.consumeString(200));
    }
    try {
      SignatureHeader header = SignatureHeader.from(headers);
      if (header != null) {
        assertThat(header.timestamp()).isNotNegative();
        assertThat(header.signature()).isNotEmpty();
      } else {
        assertThat(count).isZero();
      }
    } catch (Rejection rejection) {
      assertClientError(rejection);
    }
  }
}
