package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker/Dockerfile (CPU) and docker/Dockerfile.gpu: the versions of the build, Spark from the
 * Apache distribution with its checksum and signature verified, the distribution's Kubernetes
 * entrypoint, the packages the jobs need, a non-root user, and the files the specs refer to. (The
 * images cannot be built here: these are checks of the text.)
 */
class DockerImagesTest {
  private static final List<Path> DOCKERFILES = List.of(Project.DOCKERFILE, Project.DOCKERFILE_GPU);

  @Test
  void bothImagesInstallTheSparkOfTheBuildForScala212AndJava17() throws IOException {
    String spark = Project.pomProperty("spark.version");
    assertEquals(
        "2.12",
        Project.pomProperty("scala.binary.version"),
        "spark-X-bin-hadoop3.tgz is the Scala 2.12 build");
    assertEquals("17", Project.pomProperty("maven.compiler.release"));
    for (Path dockerfile : DOCKERFILES) {
      String text = Files.readString(dockerfile);
      assertTrue(
          text.contains("ARG SPARK_VERSION=" + spark + "\n"),
          dockerfile + " installs Spark " + spark);
      assertTrue(text.contains("spark-${SPARK_VERSION}-bin-hadoop3.tgz"), dockerfile.toString());
    }
    assertTrue(
        Files.readString(Project.DOCKERFILE).contains("ARG BASE_IMAGE=eclipse-temurin:17-"),
        "Java 17");
    String gpu = Files.readString(Project.DOCKERFILE_GPU);
    assertTrue(
        gpu.contains("openjdk-17-jre-headless")
            && gpu.contains("JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"),
        "Java 17");
    // nd4j-cuda-11.6 runs on a later CUDA 11 runtime (minor-version compatibility), so the image
    // takes the last CUDA 11 release on a supported Ubuntu rather than the end-of-life 11.6 tags.
    assertTrue(
        gpu.contains("ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04\n"),
        "CUDA 11.8 with cuDNN 8 on Ubuntu 22.04");
    assertFalse(gpu.contains("ubuntu20.04"), "no end-of-life Ubuntu 20.04 base");
    assertTrue(
        gpu.contains("cuda-compatibility/minor-version-compatibility"),
        "the GPU image says why CUDA 11.6 natives run on the 11.8 runtime");
    assertTrue(
        Files.readString(Project.ROOT.resolve("pom.xml"))
            .contains("<artifactId>nd4j-cuda-11.6</artifactId>"));
  }

  @Test
  void sparkIsVerifiedByChecksumAndByASignatureOfAPinnedKeyInBothImages() throws IOException {
    String cpu = sparkStage(Project.DOCKERFILE);
    String gpu = sparkStage(Project.DOCKERFILE_GPU);
    assertEquals(
        cpu.replace("${BASE_IMAGE}", "${CUDA_IMAGE}"),
        gpu,
        "the two images install Spark the same way");
    assertTrue(
        cpu.contains("sha512sum spark.tgz")
            && cpu.contains("spark.tgz.sha512")
            && cpu.contains("[ \"${expected}\" != \"${actual}\" ]"),
        "the published SHA-512 is compared");
    assertTrue(
        cpu.contains("gpg --batch --status-fd 1 --verify spark.tgz.asc spark.tgz"),
        "the signature is verified");
    assertTrue(cpu.contains("VALIDSIG") && cpu.contains("*\" ${signer} \"*)"), "by a pinned key");
    Matcher pinned = Pattern.compile("ARG SPARK_GPG_FINGERPRINTS=\"([^\"]*)\"").matcher(cpu);
    assertTrue(pinned.find());
    for (String fingerprint : pinned.group(1).split(" ")) {
      assertTrue(
          fingerprint.matches("[0-9A-F]{40}"), "a full OpenPGP v4 fingerprint: " + fingerprint);
    }
    // Nothing else is downloaded: curl fetches only the release, its .sha512 and .asc, and KEYS.
    Matcher curl = Pattern.compile("curl [^\\n]*?-o (\\S+)").matcher(cpu);
    List<String> downloads = new ArrayList<>();
    while (curl.find()) {
      downloads.add(curl.group(1));
    }
    assertFalse(downloads.isEmpty());
    for (String download : downloads) {
      assertTrue(
          List.of("spark.tgz", "\"spark.tgz.${suffix}\"", "KEYS").contains(download),
          "downloads " + download);
    }
    for (Path dockerfile : DOCKERFILES) {
      String text = Files.readString(dockerfile);
      assertFalse(
          text.contains("wget ") || text.matches("(?s).*\\bADD\\s+https?:.*"),
          dockerfile + ": unverified download");
      String image = text.substring(text.indexOf("# --- The image"));
      assertFalse(image.contains("curl "), dockerfile + ": downloads only in the verified stage");
    }
  }

  @Test
  void imagesAreSparkOnKubernetesImagesWithTheDistributionsEntrypoint() throws IOException {
    for (Path dockerfile : DOCKERFILES) {
      String text = Files.readString(dockerfile);
      String where = dockerfile.getFileName().toString();
      assertTrue(
          text.contains(
              "cp /opt/spark/kubernetes/dockerfiles/spark/entrypoint.sh /opt/entrypoint.sh"),
          where);
      assertTrue(text.contains("ENTRYPOINT [\"/opt/entrypoint.sh\"]"), where);
      assertTrue(text.contains("SPARK_HOME=/opt/spark"), where);
      assertTrue(text.contains("WORKDIR /opt/spark/work-dir"), where);
      for (String pkg : List.of(" tini ", " krb5-user ", " libturbojpeg ")) {
        assertTrue(installs(text).contains(pkg), where + " installs" + pkg);
      }
      assertTrue(
          text.contains("ARG spark_uid=185")
              && text.contains("--uid=${spark_uid}")
              && text.contains("USER ${spark_uid}\n"),
          where + ": runs as uid 185");
      assertTrue(
          text.contains(
              "COPY --from=jar /build/alexnet-spark.jar /opt/alexnet/alexnet-spark.jar\n"),
          where + ": the jar of the build stage");
      assertFalse(text.contains("COPY target/"), where + ": nothing built outside the image");
      assertTrue(text.contains("COPY conf/ /opt/alexnet/conf/\n"), where);
      assertTrue(
          text.contains("COPY conf/log4j2.properties /opt/spark/conf/log4j2.properties\n"), where);
    }
    assertFalse(
        Files.exists(Project.ROOT.resolve("docker/entrypoint.sh")),
        "the entrypoint comes from the distribution");
  }

  @Test
  void theFirstStageBuildsTheJarFromTheCheckoutAndChecksItsBackend() throws IOException {
    String backend = "org/nd4j/linalg/jcublas/JCublasBackend.class";
    for (Path dockerfile : DOCKERFILES) {
      String text = Files.readString(dockerfile);
      boolean gpu = dockerfile.equals(Project.DOCKERFILE_GPU);
      String where = dockerfile.getFileName().toString();
      int start = text.indexOf("# --- The jar, built from the checkout");
      int end = text.indexOf("# --- Spark, downloaded and verified");
      assertTrue(start >= 0 && end > start, where + ": a build stage before the Spark stage");
      String stage = text.substring(start, end);
      assertTrue(text.contains("ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17\n"), where);
      assertTrue(stage.contains("FROM ${MAVEN_IMAGE} AS jar\n"), where);
      assertTrue(
          text.startsWith("# syntax=docker/dockerfile:1\n"), where + ": BuildKit (cache mount)");
      // The sources of the build, from the context.
      for (String copy : List.of("COPY pom.xml ./\n", "COPY src/ src/\n", "COPY conf/ conf/\n")) {
        assertTrue(stage.contains(copy), where + ": " + copy.strip());
      }
      Matcher mvn = Pattern.compile("(?m)^\\s+mvn ([^;\\n]*);").matcher(stage);
      assertTrue(mvn.find(), where + ": runs mvn");
      List<String> arguments = List.of(mvn.group(1).strip().split("\\s+"));
      assertTrue(
          arguments.containsAll(List.of("-B", "-Pcluster", "package", "-DskipTests")),
          where + ": " + arguments);
      assertEquals(gpu, arguments.contains("-Dcuda"), where + ": the CUDA build only for the GPU");
      // The jar of the build's backend profile, by the name pom.xml gives it (which says the
      // backend), as the one file the stage finds.
      String name = Project.clusterJarName(gpu ? "cuda" : "cpu");
      assertTrue(name.endsWith(gpu ? "-cluster-cuda.jar" : "-cluster-cpu.jar"), name);
      String glob = "target/alexnet-spark-*-cluster-" + (gpu ? "cuda" : "cpu") + ".jar";
      assertTrue(
          FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of("target", name)),
          glob + " finds " + name);
      assertTrue(stage.contains("set -- " + glob + ";"), where + ": looks for " + glob);
      assertFalse(stage.contains("-cluster.jar"), where + ": a name that says no backend");
      // The GPU image stops unless the jar holds the CUDA backend; the CPU image if it does.
      String check = "jar tf \"${jar}\" | grep -qx '" + backend + "'; then";
      assertTrue(
          stage.contains((gpu ? "if ! " : "if ") + check) && stage.contains("exit 1"),
          where + ": checks " + backend + (gpu ? " is" : " is not") + " in the jar");
      assertTrue(stage.contains("cp \"${jar}\" /build/alexnet-spark.jar"), where);
    }
    // The class the check looks for is the CUDA backend that pom.xml's cuda profile selects.
    assertTrue(
        Files.readString(Project.ROOT.resolve("pom.xml"))
            .contains("<nd4j.backend>nd4j-cuda-11.6</nd4j.backend>"));
  }

  @Test
  void theBuildContextHoldsTheSourcesAndNothingElse() throws IOException {
    List<String> patterns = Files.readAllLines(Project.ROOT.resolve(".dockerignore"));
    for (String path :
        List.of(
            "target", ".git", "demo-output", "work", "docs", "jobs", ".ci", ".idea", "README.md")) {
      assertTrue(ignored(patterns, path), ".dockerignore leaves out " + path);
    }
    for (Path dockerfile : DOCKERFILES) {
      Matcher copy =
          Pattern.compile("(?m)^COPY (?!--from)(\\S+) ").matcher(Files.readString(dockerfile));
      int copies = 0;
      while (copy.find()) {
        copies++;
        String source = copy.group(1).replaceAll("/$", "");
        assertFalse(
            ignored(patterns, source),
            dockerfile.getFileName() + " copies " + source + ", which .dockerignore leaves out");
        assertTrue(Files.exists(Project.ROOT.resolve(source)), source);
      }
      assertTrue(copies >= 4, dockerfile + ": pom.xml, src/, conf/ and conf/log4j2.properties");
    }
  }

  /**
   * Whether .dockerignore leaves a path (relative to the root) out of the build context: the last
   * pattern matching the path or one of its parent folders decides, "!" including again. (The
   * patterns of this project's file only: "*", and names with an optional trailing "/".)
   */
  private static boolean ignored(List<String> patterns, String path) {
    boolean ignored = false;
    for (String line : patterns) {
      String pattern = line.strip();
      if (pattern.isEmpty() || pattern.startsWith("#")) {
        continue;
      }
      boolean include = pattern.startsWith("!");
      String name = pattern.substring(include ? 1 : 0).replaceAll("/$", "");
      assertTrue(name.equals("*") || name.matches("[\\w.-]+(/[\\w.-]+)*"), "pattern " + line);
      boolean matches = name.equals("*") || path.equals(name) || path.startsWith(name + "/");
      if (matches) {
        ignored = !include;
      }
    }
    return ignored;
  }

  /** The stage that downloads and verifies Spark. */
  private static String sparkStage(Path dockerfile) throws IOException {
    String text = Files.readString(dockerfile);
    int start = text.indexOf("# --- Spark, downloaded and verified");
    int end = text.indexOf("# --- The image");
    assertTrue(start >= 0 && end > start, dockerfile + " has a Spark stage and an image stage");
    return text.substring(start, end);
  }

  /** The packages of the image stage's apt-get install, space-separated with spaces around. */
  private static String installs(String dockerfile) {
    String image = dockerfile.substring(dockerfile.indexOf("# --- The image"));
    Matcher install =
        Pattern.compile("apt-get install -y --no-install-recommends((?:[^;]|\\\\\\n)*);")
            .matcher(image);
    assertTrue(install.find(), "the image installs packages");
    return " " + install.group(1).replaceAll("[\\\\\\s]+", " ").strip() + " ";
  }
}
