package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md and docs/reasons.md hold, between their markers, exactly what
 * {@link ReferenceDocs} generates from the code today. With {@code -Dkcid.docs.write=true} the test
 * rewrites them instead of failing.
 */
class GeneratedDocsTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void generatedDocsAreUpToDate() throws Exception {
    boolean write = Boolean.getBoolean("kcid.docs.write");
    for (ReferenceDocs.Generated g : ReferenceDocs.all(ROOT)) {
      String text = Files.readString(g.file(), StandardCharsets.UTF_8);
      if (write) {
        Files.writeString(g.file(), ReferenceDocs.withRegion(text, g.region()), StandardCharsets.UTF_8);
        continue;
      }
      assertThat(ReferenceDocs.regionOf(text))
          .as("%s is out of date with the code: run %s", ROOT.relativize(g.file()), ReferenceDocs.REGENERATE)
          .isEqualTo(g.region());
    }
  }

  @Test
  void everyReasonHasAMeaningAndEveryOptionAVariableOrFlag() throws Exception {
    assertThat(ReferenceDocs.parseProto()).allSatisfy(r -> assertThat(r.comment()).as(r.reason().name()).isNotBlank());
    assertThat(ReferenceDocs.configuration()).contains("`KCID_REDIS_URL`", "`KCID_EDGE_SPOOL_DIR`", "`KCID_REDIS_PORT`",
        "`KCID_GRPC_ADDR`", "`KCID_EDGE_URL`");
  }
}
