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
import org.alexnetspark.config.AlexNetConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts, job specs and the images name classes and configuration keys: those must exist. The
 * commands, options and files of each deployment are checked in org.alexnetspark.deploy.
 */
class JobScriptsTest {
  private static final Pattern CLASS_NAME =
      Pattern.compile("org\\.alexnetspark(\\.[a-zA-Z_]\\w*)+");

  @Test
  void everyClassNamedInJobsAndDockerExists() throws IOException {
    List<String> named = new ArrayList<>();
    for (Path file : files("jobs", "docker", "conf")) {
      Matcher matcher = CLASS_NAME.matcher(Files.readString(file));
      while (matcher.find()) {
        String name = matcher.group();
        named.add(name);
        assertDoesNotThrow(
            () -> Class.forName(name, false, getClass().getClassLoader()),
            file + " names " + name + ", which does not exist");
      }
    }
    assertFalse(named.isEmpty(), "the launchers name the main class");
  }

  @Test
  void launchersAreExecutable() throws IOException {
    assertTrue(Files.isExecutable(Paths.get("jobs", "local", "alexnet")));
    assertTrue(Files.isExecutable(Paths.get("jobs", "yarn", "alexnet")));
    assertTrue(Files.isExecutable(Paths.get("jobs", "kubernetes", "configmaps")));
    assertTrue(Files.isExecutable(Paths.get("conf", "gpu-discovery.sh")));
    String submit = Files.readString(Paths.get("jobs", "yarn", "submit.sh"));
    assertTrue(
        submit.contains("/target/alexnet-spark-*-cluster-cpu.jar")
            && submit.contains("/target/alexnet-spark-*-cluster-cuda.jar"),
        "submit.sh looks for the jars by the names that say their backend");
  }

  @Test
  void siteConfigurationOfTheConfigMapIsValid(@TempDir Path dir) throws IOException {
    List<String> lines =
        Files.readAllLines(Paths.get("jobs", "kubernetes", "base", "alexnet-conf.yaml"));
    int start = lines.indexOf("  site.conf: |") + 1;
    StringBuilder conf = new StringBuilder();
    for (String line : lines.subList(start, lines.size())) {
      conf.append(line.replaceFirst("^    ", "")).append('\n');
    }
    Path file = Files.writeString(dir.resolve("site.conf"), conf);
    assertDoesNotThrow(() -> AlexNetConfig.load(List.of(file), List.of()));
  }

  private static List<Path> files(String... folders) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String folder : folders) {
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
