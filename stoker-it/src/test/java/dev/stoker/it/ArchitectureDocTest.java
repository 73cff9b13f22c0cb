package dev.stoker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Keeps docs/architecture.md's list of modules true: its module table and its diagram name exactly
 * the modules the root pom.xml builds. A module added to the reactor without a row (or a node in
 * the diagram), or a row left behind for a module that is gone, fails this test.
 */
class ArchitectureDocTest {
  private static final Path POM = Path.of("..", "pom.xml");
  private static final Path DOC = Path.of("..", "docs", "architecture.md");

  /** A row of the module table: its first cell is the module's directory in backticks. */
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|");

  /** A node of the mermaid diagram: {@code id["module<br/>what it is"]} or {@code id["module"]}. */
  private static final Pattern NODE = Pattern.compile("\\[\"([^\"<]+)(?:<br/>[^\"]*)?\"\\]");

  @Test
  void the_module_table_lists_exactly_the_reactor_modules() throws Exception {
    assertThat(tableRows(modulesSection()))
        .as("the rows of the module table in %s against the <modules> of %s", DOC, POM)
        .containsExactlyInAnyOrderElementsOf(reactorModules());
  }

  @Test
  void the_module_diagram_shows_exactly_the_reactor_modules() throws Exception {
    assertThat(diagramNodes(modulesSection()))
        .as("the nodes of the module diagram in %s against the <modules> of %s", DOC, POM)
        .containsExactlyInAnyOrderElementsOf(reactorModules());
  }

  /**
   * The reader's check of the parsing below: it finds the modules that were there when it was
   * written.
   */
  @Test
  void the_parsers_find_the_modules_they_are_meant_to() throws Exception {
    assertThat(reactorModules())
        .contains("stoker-core", "stoker-store-postgres", "examples/java", "stoker-it");
    assertThat(tableRows(modulesSection()))
        .contains("stoker-core", "stoker-store-embedded", "examples/java");
    assertThat(diagramNodes(modulesSection()))
        .contains("stoker-core", "stoker-store-postgres", "examples/java");
  }

  /** The {@code <module>} entries of the root pom's own {@code <modules>} (not of its profiles). */
  static Set<String> reactorModules() throws Exception {
    Element project =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(POM.toFile())
            .getDocumentElement();
    Set<String> modules = new LinkedHashSet<>();
    for (Element list : children(project, "modules")) {
      for (Element module : children(list, "module")) {
        modules.add(module.getTextContent().trim());
      }
    }
    return modules;
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        found.add(e);
      }
    }
    return found;
  }

  /** The lines of the doc's "## Modules" section, up to the next second-level heading. */
  static List<String> modulesSection() throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    int start = lines.indexOf("## Modules");
    assertThat(start).as("%s has a \"## Modules\" section", DOC).isNotNegative();
    List<String> section = new ArrayList<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      section.add(line);
    }
    return section;
  }

  static List<String> tableRows(List<String> section) {
    List<String> rows = new ArrayList<>();
    for (String line : section) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        rows.add(m.group(1));
      }
    }
    return rows;
  }

  static Set<String> diagramNodes(List<String> section) {
    Set<String> nodes = new LinkedHashSet<>();
    boolean inDiagram = false;
    for (String line : section) {
      if (line.startsWith("```")) {
        inDiagram = line.equals("```mermaid");
        continue;
      }
      if (inDiagram) {
        Matcher m = NODE.matcher(line);
        while (m.find()) {
          nodes.add(m.group(1));
        }
      }
    }
    return nodes;
  }
}
