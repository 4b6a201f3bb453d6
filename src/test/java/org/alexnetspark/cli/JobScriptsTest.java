package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Scripts and job specs name classes and files of this project: those must exist. */
class JobScriptsTest {
  private static final Pattern CLASS_NAME = Pattern.compile("org\\.alexnetspark(\\.[a-zA-Z_]\\w*)+");

  @Test
  void everyClassNamedInJobsAndDockerExists() throws IOException {
    List<String> named = new ArrayList<>();
    for (Path file : scriptFiles()) {
      Matcher matcher = CLASS_NAME.matcher(Files.readString(file));
      while (matcher.find()) {
        String name = matcher.group();
        named.add(name);
        assertDoesNotThrow(() -> Class.forName(name, false, getClass().getClassLoader()),
            file + " names " + name + ", which does not exist");
      }
    }
    assertFalse(named.isEmpty(), "the launcher names the main class");
  }

  @Test
  void localLauncherIsExecutable() {
    assertTrue(Files.isExecutable(Paths.get("jobs", "local", "alexnet")));
  }

  private static List<Path> scriptFiles() throws IOException {
    List<Path> files = new ArrayList<>();
    for (String folder : List.of("jobs", "docker", "conf")) {
      Path root = Paths.get(folder);
      if (Files.isDirectory(root)) {
        try (Stream<Path> walk = Files.walk(root)) {
          walk.filter(Files::isRegularFile).forEach(files::add);
        }
      }
    }
    return files;
  }
}
