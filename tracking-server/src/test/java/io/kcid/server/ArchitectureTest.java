package io.kcid.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Locks in the tracking-server's layering (issue #13): gRPC services talk to domain services only,
 * the domain talks to store ports only, and no two packages depend on each other.
 */
class ArchitectureTest {
  private static final String[] DOMAIN = {
    "io.kcid.server.account..",
    "io.kcid.server.auth..",
    "io.kcid.server.cap..",
    "io.kcid.server.click..",
    "io.kcid.server.common..",
    "io.kcid.server.conversion..",
    "io.kcid.server.delivery..",
    "io.kcid.server.fraud..",
    "io.kcid.server.fx..",
    "io.kcid.server.postback..",
    "io.kcid.server.postbacklog..",
    "io.kcid.server.report..",
    "io.kcid.server.stream..",
  };

  private static JavaClasses server;

  @BeforeAll
  static void importMainClasses() {
    server =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // The server's own classes are a directory; scanning every jar for the package is slow.
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.kcid.server");
  }

  @Test
  void packagesAreFreeOfCycles() {
    // One slice per package (store and store.redis apart); the wiring in io.kcid.server itself
    // depends on everything and is left out.
    slices().matching("io.kcid.server.(**)").should().beFreeOfCycles().check(server);
  }

  @Test
  void grpcServicesTalkToDomainServicesNeverToStores() {
    noClasses()
        .that().resideInAPackage("io.kcid.server.grpc..")
        .should().dependOnClassesThat().resideInAPackage("io.kcid.server.store..")
        .check(server);
  }

  @Test
  void theDomainKnowsNeitherRedisNorGrpc() {
    noClasses()
        .that().resideInAnyPackage(DOMAIN)
        .should().dependOnClassesThat().resideInAnyPackage("io.kcid.server.store.redis..", "io.kcid.server.grpc..")
        .check(server);
  }

  @Test
  void storePortsKnowNothingOfTheirRedisAdapters() {
    noClasses()
        .that().resideInAPackage("io.kcid.server.store")
        .should().dependOnClassesThat().resideInAPackage("io.kcid.server.store.redis..")
        .check(server);
  }
}
