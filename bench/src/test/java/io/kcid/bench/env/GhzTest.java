package io.kcid.bench.env;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.grpc.health.v1.HealthProto;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.kcid.bench.load.Run;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import java.util.List;
import org.junit.jupiter.api.Test;

class GhzTest {
  /** Trimmed from a ghz v0.93 {@code --format json} report: durations in nanoseconds, details left in. */
  private static final String REPORT = """
      {"date":"2026-12-03T18:29:00Z","endReason":"timeout","options":{"call":"grpc.health.v1.Health.Check","insecure":true},
       "count":120564,"total":10012000000,"average":5300000,"fastest":180000,"slowest":41000000,"rps":12035.5,
       "errorDistribution":{"rpc error: code = Unavailable desc = overloaded":400,"rpc error: code = DeadlineExceeded desc = x":100,
         "rpc error: code = Canceled desc = grpc: the client connection is closing":40,
         "rpc error: code = Unavailable desc = transport is closing":24},
       "statusCodeDistribution":{"OK":120000,"Unavailable":424,"DeadlineExceeded":100,"Canceled":40},
       "latencyDistribution":[{"percentage":10,"latency":2000000},{"percentage":50,"latency":5000000},
         {"percentage":99,"latency":12500000}],
       "histogram":[{"mark":0.00018,"count":1,"frequency":0.00001}],
       "details":[{"timestamp":"2026-12-03T18:29:00Z","latency":5000000,"error":"","status":"OK"}]}
      """;

  @Test
  void aReportIsARunOfTheCallsAnsweredOk() throws Exception {
    Run run = Ghz.parse(REPORT);

    assertThat(run.ops()).isEqualTo(120_000);
    assertThat(run.seconds()).isEqualTo(10.012);
    assertThat(run.opsPerSecond()).isEqualTo(120_000 / 10.012);
    assertThat(run.p50Ms()).isEqualTo(5.0);
    assertThat(run.p99Ms()).isEqualTo(12.5);
    assertThat(run.p999Ms()).as("ghz reports no 99.9th percentile").isZero();
    assertThat(run.maxMs()).isEqualTo(41.0);
    assertThat(run.errors()).as("the 64 calls ghz stopped itself at the end are no errors").isEqualTo(500);
    assertThat(run.errorKinds()).containsEntry("UNAVAILABLE", 400L).containsEntry("DEADLINE_EXCEEDED", 100L).hasSize(2);
  }

  @Test
  void aReportWithoutAnswersIsAnEmptyRun() throws Exception {
    Run run = Ghz.parse("{\"count\":3,\"total\":1000000000,\"slowest\":0,\"statusCodeDistribution\":{\"Unavailable\":3}}");

    assertThat(run.ops()).isZero();
    assertThat(run.errors()).isEqualTo(3);
    assertThat(run.errorKinds()).containsOnlyKeys("UNAVAILABLE");
    assertThat(run.p50Ms()).isZero();
  }

  @Test
  void theProtosetHoldsEveryImportBeforeTheFilesThatNeedIt() {
    var click = ((ProtoFileDescriptorSupplier) ClickServiceGrpc.getServiceDescriptor().getSchemaDescriptor()).getFileDescriptor();

    List<String> names = Ghz.protoset(List.of(click, HealthProto.getDescriptor(), click)).getFileList().stream()
        .map(FileDescriptorProto::getName).toList();

    assertThat(names).doesNotHaveDuplicates()
        .contains("kcid/tracking/v1/click_service.proto", "grpc/health/v1/health.proto", "google/protobuf/timestamp.proto");
    for (var file : Ghz.protoset(List.of(click)).getFileList()) {
      for (String dependency : file.getDependencyList()) {
        assertThat(names.indexOf(dependency)).as(file.getName() + " imports " + dependency)
            .isBetween(0, names.indexOf(file.getName()) - 1);
      }
    }
  }
}
