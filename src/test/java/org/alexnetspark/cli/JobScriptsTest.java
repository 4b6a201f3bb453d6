package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import picocli.CommandLine;

/** Scripts, job specs and the image name classes, files, options and keys: those must exist. */
class JobScriptsTest {
  private static final Pattern CLASS_NAME = Pattern.compile("org\\.alexnetspark(\\.[a-zA-Z_]\\w*)+");

  @Test
  void everyClassNamedInJobsAndDockerExists() throws IOException {
    List<String> named = new ArrayList<>();
    for (Path file : files("jobs", "docker", "conf")) {
      Matcher matcher = CLASS_NAME.matcher(Files.readString(file));
      while (matcher.find()) {
        String name = matcher.group();
        named.add(name);
        assertDoesNotThrow(() -> Class.forName(name, false, getClass().getClassLoader()),
            file + " names " + name + ", which does not exist");
      }
    }
    assertFalse(named.isEmpty(), "the launchers name the main class");
  }

  @Test
  void launchersAreExecutable() {
    assertTrue(Files.isExecutable(Paths.get("jobs", "local", "alexnet")));
    assertTrue(Files.isExecutable(Paths.get("jobs", "yarn", "alexnet")));
  }

  @Test
  void kubernetesJobsRunExistingSubcommandsWithExistingOptionsFromTheImagesJar() throws IOException {
    String dockerfile = Files.readString(Paths.get("docker", "Dockerfile"))
        + Files.readString(Paths.get("docker", "Dockerfile.gpu"));
    CommandLine cli = AlexNetCommand.commandLine();
    List<Path> specs = files("jobs/kubernetes").stream()
        .filter(p -> !Files.isDirectory(p)).toList();
    int applications = 0;
    for (Path spec : specs) {
      List<String> lines = Files.readAllLines(spec);
      if (lines.stream().noneMatch(l -> l.contains("kind: SparkApplication"))) {
        continue;
      }
      applications++;
      String jar = lines.stream().filter(l -> l.contains("mainApplicationFile:")).findFirst()
          .orElseThrow().replaceAll(".*local://", "").strip();
      assertTrue(dockerfile.contains(" " + jar), spec + " runs " + jar + ", which docker/Dockerfile does not create");
      List<String> arguments = arguments(lines);
      CommandLine subcommand = cli.getSubcommands().get(arguments.get(0));
      assertNotNull(subcommand, spec + ": no subcommand " + arguments.get(0));
      for (String argument : arguments.subList(1, arguments.size())) {
        String option = argument.contains("=") ? argument.substring(0, argument.indexOf('=')) : argument;
        assertNotNull(subcommand.getCommandSpec().findOption(option),
            spec + ": '" + arguments.get(0) + "' has no option " + option);
      }
    }
    assertTrue(applications >= 3);
  }

  @Test
  void siteConfigurationOfTheConfigMapIsValid(@TempDir Path dir) throws IOException {
    List<String> lines = Files.readAllLines(Paths.get("jobs", "kubernetes", "alexnet-conf.yaml"));
    int start = lines.indexOf("  site.conf: |") + 1;
    StringBuilder conf = new StringBuilder();
    for (String line : lines.subList(start, lines.size())) {
      conf.append(line.replaceFirst("^    ", "")).append('\n');
    }
    Path file = Files.writeString(dir.resolve("site.conf"), conf);
    assertDoesNotThrow(() -> AlexNetConfig.load(List.of(file), List.of()));
  }

  @Test
  void imageAndJobsTrackTheBuildsSparkAndJar() throws IOException {
    String pom = Files.readString(Paths.get("pom.xml"));
    Matcher spark = Pattern.compile("<spark.version>(\\d+\\.\\d+)\\.\\d+</spark.version>").matcher(pom);
    assertTrue(spark.find());
    String dockerfile = Files.readString(Paths.get("docker", "Dockerfile"));
    assertTrue(dockerfile.contains("apache/spark:" + spark.group(1) + "."), "base image is Spark " + spark.group(1));
    assertTrue(dockerfile.contains("scala2.12") && dockerfile.contains("java17"));
    assertTrue(pom.contains("<shadedClassifierName>cluster</shadedClassifierName>"));
    assertTrue(dockerfile.contains("target/alexnet-spark-*-cluster.jar"));
    String gpu = Files.readString(Paths.get("docker", "Dockerfile.gpu"));
    assertTrue(gpu.contains("SPARK_VERSION=" + spark.group(1) + "."), "GPU image installs Spark " + spark.group(1));
    assertTrue(gpu.contains("cuda:11.6") && gpu.contains("cudnn8"), "CUDA 11.6 + cuDNN 8, as nd4j-cuda-11.6");
    assertTrue(Files.isExecutable(Paths.get("conf", "gpu-discovery.sh")));
    assertTrue(Files.readString(Paths.get("jobs", "yarn", "submit.sh")).contains("alexnet-spark-*-cluster.jar"));
  }

  private static List<String> arguments(List<String> lines) {
    List<String> arguments = new ArrayList<>();
    int at = lines.indexOf("  arguments:");
    for (String line : lines.subList(at + 1, lines.size())) {
      if (!line.startsWith("    - ")) {
        break;
      }
      arguments.add(line.substring("    - ".length()).strip());
    }
    return arguments;
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
