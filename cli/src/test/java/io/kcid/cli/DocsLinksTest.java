package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md, docs/*.md and http-edge/README.md points at a file that exists,
 * and a link to a heading ({@code file.md#anchor}) at a heading that exists, as GitHub names it.
 */
class DocsLinksTest {
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");

  @Test
  void everyRelativeLinkPointsAtAnExistingFileAndHeading() throws Exception {
    List<Path> files = new ArrayList<>();
    for (ReadmeTest.Doc doc : ReadmeTest.docs()) {
      files.add(doc.path());
    }
    files.add(Path.of("..", "http-edge", "README.md"));
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path file : files) {
      Matcher m = LINK.matcher(withoutCodeBlocks(Files.readString(file)));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // http:, https:, mailto:
        }
        checked++;
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
        if (!Files.exists(resolved)) {
          broken.add(file + ": " + target + " (no such file)");
        } else if (hash >= 0 && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(target.substring(hash + 1))) {
          broken.add(file + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(checked).isGreaterThan(50);
    assertThat(broken).isEmpty();
  }

  /** The anchors GitHub gives a Markdown file's headings. */
  static Set<String> anchors(Path file) throws IOException {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : withoutCodeBlocks(Files.readString(file)).split("\n")) {
      Matcher h = HEADING.matcher(line);
      if (h.matches()) {
        String slug = h.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
        int n = seen.merge(slug, 1, Integer::sum) - 1;
        anchors.add(n == 0 ? slug : slug + "-" + n);
      }
    }
    return anchors;
  }

  private static String withoutCodeBlocks(String markdown) {
    return markdown.replaceAll("(?ms)^```.*?^```", "");
  }
}
