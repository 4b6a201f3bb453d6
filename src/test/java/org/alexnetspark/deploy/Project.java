package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Files of the project the deployment tests read, and values of the build they compare with. */
final class Project {
  static final Path ROOT = Paths.get("").toAbsolutePath();
  static final Path SPARK_DEFAULTS = ROOT.resolve("conf/spark-defaults.conf");
  static final Path LOG4J = ROOT.resolve("conf/log4j2.properties");
  static final Path GPU_DISCOVERY = ROOT.resolve("conf/gpu-discovery.sh");
  static final Path YARN = ROOT.resolve("jobs/yarn");
  static final Path KUBERNETES = ROOT.resolve("jobs/kubernetes");
  static final Path DOCKERFILE = ROOT.resolve("docker/Dockerfile");
  static final Path DOCKERFILE_GPU = ROOT.resolve("docker/Dockerfile.gpu");

  private Project() {}

  /** A property of pom.xml, e.g. spark.version. */
  static String pomProperty(String name) throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher matcher =
        Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name) + ">")
            .matcher(pom);
    assertTrue(matcher.find(), "pom.xml has no property " + name);
    return matcher.group(1).strip();
  }

  /**
   * The file name pom.xml gives the cluster jar of a backend profile ("cpu" or "cuda"): {@code
   * <artifactId>-<version>-<shadedClassifierName>.jar}, with the profile's {@code
   * cluster.jar.backend} in the classifier.
   */
  static String clusterJarName(String profile) throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Matcher section =
        Pattern.compile("(?s)<profile>\\s*<id>" + Pattern.quote(profile) + "</id>(.*?)</profile>")
            .matcher(pom);
    assertTrue(section.find(), "pom.xml has no profile " + profile);
    Matcher backend =
        Pattern.compile("<cluster.jar.backend>([^<]*)</cluster.jar.backend>")
            .matcher(section.group(1));
    assertTrue(backend.find(), "profile " + profile + " of pom.xml sets no cluster.jar.backend");
    // The project's own coordinates come first in pom.xml, before any dependency's.
    String classifier =
        pomProperty("shadedClassifierName")
            .replace("${cluster.jar.backend}", backend.group(1).strip());
    return pomProperty("artifactId") + "-" + pomProperty("version") + "-" + classifier + ".jar";
  }

  /** conf/spark-defaults.conf read the way Spark reads a properties file. */
  static Properties sparkDefaults() throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(SPARK_DEFAULTS, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    return properties;
  }

  /** Runs of whitespace as one space, trimmed: how Spark splits JVM options. */
  static String words(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }

  /**
   * The Spark operator's CRDs, from ../shared/k8s beside the project (or the folder named by the
   * system property alexnet.k8s.crds), or null when they are absent.
   */
  static Path operatorCrds() {
    Path folder =
        Paths.get(
            System.getProperty(
                "alexnet.k8s.crds", ROOT.resolve("../shared/k8s").normalize().toString()));
    return Files.isRegularFile(folder.resolve("sparkoperator.k8s.io_sparkapplications.yaml"))
        ? folder
        : null;
  }
}
