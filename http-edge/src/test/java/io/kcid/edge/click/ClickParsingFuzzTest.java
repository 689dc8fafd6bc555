package io.kcid.edge.click;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Fuzzes the click URL parser and the Location guard: a query either becomes a click request with
 * its required fields, or is rejected with a 4xx reason; the guard only ever lets through a value
 * that is a safe header (http(s), no control characters, spaces or backslashes, ASCII only).
 */
class ClickParsingFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void clickQueriesParseOrAreRejected(byte[] input) {
    String query = new String(input, StandardCharsets.UTF_8);
    try {
      IssueClickRequest click = ClickRequestParser.builder(QueryParams.parameters(QueryParams.uri("/c?" + query))).build();
      assertThat(click.getAccountId()).isNotEmpty();
      assertThat(click.getCampaignId()).isNotEmpty();
      assertThat(click.getDestinationUrl()).isNotEmpty();
      assertThat(click.getClickSignature()).isNotEmpty();
    } catch (Rejection rejection) {
      assertThat(ErrorReasons.httpStatus(rejection.reason())).isBetween(400, 499);
    }
    Optional<String> location = RedirectGuard.safeLocation(query);
    location.ifPresent(l -> assertThat(l).matches("(?i)https?://[\\x21-\\x5b\\x5d-\\x7e]*"));
  }
}
