package io.kcid.edge.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ActionFormTest {
  private static FullHttpRequest post(String contentType, String body) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/admin/accounts/a/goals",
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    if (contentType != null) {
      request.headers().set("Content-Type", contentType);
    }
    request.headers().set("Content-Length", request.content().readableBytes());
    return request;
  }

  private static ErrorReason refusal(FullHttpRequest request) {
    try {
      ActionForm.of(request);
      return null;
    } catch (Rejection rejection) {
      return rejection.reason();
    } finally {
      request.release();
    }
  }

  @Test
  void decodesFieldsAndLeavesTheRequestAsItWas() {
    FullHttpRequest request = post("application/x-www-form-urlencoded; charset=UTF-8",
        "goal_key=+lead+&display_name=Lead%20form%20%C3%A9&ignore_status=on&status_map=a%3Dapproved%0Ab%3Drejected&csrf=x%2By");
    ActionForm form = ActionForm.of(request);
    assertThat(form.get("goal_key")).isEqualTo("lead");
    assertThat(form.get("display_name")).isEqualTo("Lead form é");
    assertThat(form.get("status_map")).isEqualTo("a=approved\nb=rejected");
    assertThat(form.raw("csrf")).isEqualTo("x+y");
    assertThat(form.checked("ignore_status")).isTrue();
    assertThat(form.checked("absent")).isFalse();
    assertThat(form.get("absent")).isEmpty();
    assertThat(form.raw("absent")).isNull();
    assertThat(request.refCnt()).isEqualTo(1);
    assertThat(request.content().readerIndex()).isZero();
    assertThatThrownBy(() -> form.required("absent")).isInstanceOf(Rejection.class).hasMessageContaining("'absent' is required");
    request.release();
  }

  @Test
  void refusesWhatIsNotASmallForm() {
    assertThat(refusal(post(null, "a=b"))).isEqualTo(ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE);
    assertThat(refusal(post("application/json", "{}"))).isEqualTo(ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE);
    assertThat(refusal(post("multipart/form-data; boundary=x", "--x--"))).isEqualTo(ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE);
    assertThat(refusal(post("application/x-www-form-urlencoded", "a=" + "b".repeat(ActionForm.MAX_BYTES))))
        .isEqualTo(ErrorReason.ERROR_REASON_PAYLOAD_TOO_LARGE);
    assertThat(refusal(post("application/x-www-form-urlencoded", "f=1&".repeat(ActionForm.MAX_FIELDS + 1))))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertThat(refusal(post("application/x-www-form-urlencoded", "a=%zz&b=%"))).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
  }
}
