package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every shell script of the project passes shellcheck (Debian: apt-get install shellcheck). */
class ShellScriptsTest {

  @Test
  void everyShellScriptPassesShellcheck() throws Exception {
    Assumptions.assumeTrue(
        shellcheckVersion() != null,
        "shellcheck is not installed (Debian: apt-get install shellcheck; .ci/run installs it): scripts not checked");
    List<Path> scripts = scripts();
    assertTrue(scripts.size() >= 10, "found the scripts: " + scripts);
    List<String> command =
        new ArrayList<>(List.of("shellcheck", "--external-sources", "--format=gcc"));
    scripts.forEach(script -> command.add(Project.ROOT.relativize(script).toString()));
    Path report = Files.createTempFile("shellcheck", ".txt");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(Project.ROOT.toFile())
              .redirectErrorStream(true)
              .redirectOutput(report.toFile())
              .start();
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "shellcheck finished");
      assertEquals(
          0,
          process.exitValue(),
          "shellcheck:\n" + Files.readString(report, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(report);
    }
  }

  /** Files under jobs/, conf/, docker/ and .ci/ that are shell scripts by their first line. */
  static List<Path> scripts() throws IOException {
    List<Path> scripts = new ArrayList<>();
    for (String folder : List.of("jobs", "conf", "docker", ".ci")) {
      Path root = Project.ROOT.resolve(folder);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
          if (isShell(file)) {
            scripts.add(file);
          }
        }
      }
    }
    return scripts;
  }

  private static boolean isShell(Path file) throws IOException {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
      String first = lines.findFirst().orElse("");
      return first.matches("#!\\s*/(usr/)?bin/(env\\s+)?(ba)?sh\\b.*")
          || first.startsWith("# shellcheck shell=");
    }
  }

  private static String shellcheckVersion() {
    try {
      Process process =
          new ProcessBuilder("shellcheck", "--version").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0 ? output : null;
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }
}
