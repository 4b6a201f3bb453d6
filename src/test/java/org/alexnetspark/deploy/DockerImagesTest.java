package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
    assertTrue(
        gpu.contains("ARG CUDA_IMAGE=nvidia/cuda:11.6.") && gpu.contains("-cudnn8-runtime-"),
        "CUDA 11.6 with cuDNN 8, as nd4j-cuda-11.6");
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
          text.contains("COPY target/alexnet-spark-*-cluster.jar /opt/alexnet/alexnet-spark.jar\n"),
          where);
      assertTrue(text.contains("COPY conf/ /opt/alexnet/conf/\n"), where);
      assertTrue(
          text.contains("COPY conf/log4j2.properties /opt/spark/conf/log4j2.properties\n"), where);
    }
    assertTrue(
        Files.readString(Project.ROOT.resolve("pom.xml"))
            .contains("<shadedClassifierName>cluster</shadedClassifierName>"));
    assertFalse(
        Files.exists(Project.ROOT.resolve("docker/entrypoint.sh")),
        "the entrypoint comes from the distribution");
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
