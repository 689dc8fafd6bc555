package io.kcid.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Status;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Secrets never reach a log line, even on the error paths that do log. */
class LogHygieneTest {

  @Test
  void tokensSignaturesAndBearerNeverAppearInLogs() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LoggerContext context = root.getLoggerContext();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
    ch.qos.logback.classic.Level level = root.getLevel();
    root.setLevel(ch.qos.logback.classic.Level.DEBUG);
    try (EdgeFixture fixture = new EdgeFixture()) {
      fixture.backend.onConversion(r -> Answer.fail(FakeBackend.plain(Status.Code.INTERNAL)));
      fixture.backend.onClick(r -> Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl("https://x\r\nSECRETURL").build()));
      fixture.get("/postback?kcid=K&token=TOKENSECRET");
      fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K")).header("Authorization", "Bearer BEARERSECRET").GET());
      fixture.get("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=SIGSECRET");
      fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K")).header("X-Kcid-Signature", "t=1,v1=HMACSECREThhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh").GET());
      fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K")).header("X-Kcid-Signature", "t=x,v1=HMACSECREThhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh").GET());
      fixture.send(HttpRequest.newBuilder(fixture.uri("/postbacks?token=BATCHSECRET")).header("X-Kcid-Signature", "t=1,v1=HMACSECREThhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh")
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("[{\"kcid\":\"K\"}]")));
      fixture.backend.onClick(r -> Answer.fail(FakeBackend.plain(Status.Code.PERMISSION_DENIED)));
      fixture.get("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=SIGSECRET");
    } finally {
      root.detachAppender(appender);
      root.setLevel(level);
    }
    StringBuilder all = new StringBuilder();
    for (ILoggingEvent event : appender.list) {
      all.append(event.getFormattedMessage()).append('\n');
      if (event.getThrowableProxy() != null) {
        all.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
      }
    }
    assertThat(all).contains("refusing to redirect").contains("PERMISSION_DENIED");
    assertThat(all.toString()).doesNotContain("TOKENSECRET", "BEARERSECRET", "SIGSECRET", "SECRETURL", "HMACSECRET", "BATCHSECRET");
  }
}
