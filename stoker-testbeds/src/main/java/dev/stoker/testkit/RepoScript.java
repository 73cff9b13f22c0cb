package dev.stoker.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A script of the repository's {@code bin/}, found from the working directory up (tests run in a
 * module).
 */
final class RepoScript {
  private RepoScript() {}

  static Path find(String name) {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path script = d.resolve("bin").resolve(name);
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    throw new IllegalStateException(
        "bin/" + name + " not found above " + Path.of("").toAbsolutePath());
  }
}
