package io.kcid.core.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;

/**
 * Keeps every exported name clean under {@code promtool check metrics} (Prometheus' own linter).
 * Micrometer's built-ins fail it twice: {@code process_cpu_time_ns_total} (an abbreviated unit;
 * replaced by the conventional {@code process_cpu_seconds_total}) and the gauge {@code
 * system_cpu_count} (a {@code _count} suffix belongs to histograms; renamed {@code
 * system_cpu_cores}). And label names are snake_case: the gRPC binder's {@code methodType} and
 * {@code statusCode} are exported as {@code method_type} and {@code status_code}. The edge and
 * the tracking-server both apply it, so their shared series have one name.
 */
public final class PromtoolNames {
  private PromtoolNames() {}

  /** Applies the renames to {@code registry}; call before any meter is registered. */
  public static void apply(MeterRegistry registry) {
    registry.config()
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(MeterFilter.renameTag("grpc.server", "methodType", "method_type"))
        .meterFilter(MeterFilter.renameTag("grpc.server", "statusCode", "status_code"))
        .meterFilter(new MeterFilter() {
          @Override
          public io.micrometer.core.instrument.Meter.Id map(io.micrometer.core.instrument.Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
          }
        });
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
          .baseUnit("seconds")
          .description("CPU time used by this process")
          .register(registry);
    }
  }
}
