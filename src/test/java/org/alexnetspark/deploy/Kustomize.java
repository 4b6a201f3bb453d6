package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders a kustomization of jobs/kubernetes/ with {@code kubectl kustomize}, the way a platform
 * team applies it ({@code kubectl apply -k}). kubectl is the one on the PATH, or the command named
 * by the system property alexnet.kubectl; tests that render skip, saying so, where there is none.
 */
final class Kustomize {
  private Kustomize() {}

  /** The objects {@code kubectl kustomize folder} renders, in its order. */
  static List<JsonNode> render(Path folder) throws IOException, InterruptedException {
    Path kubectl = kubectl();
    Assumptions.assumeTrue(
        kubectl != null,
        "no kubectl on the PATH (nor -Dalexnet.kubectl): the kustomizations of jobs/kubernetes/ "
            + "were not rendered; install it (Debian: apt-get install kubectl)");
    Path errors = Files.createTempFile("kustomize", ".err");
    try {
      Process process =
          new ProcessBuilder(kubectl.toString(), "kustomize", folder.toString())
              .redirectError(errors.toFile())
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      boolean done = process.waitFor(60, TimeUnit.SECONDS);
      assertEquals(
          0,
          done ? process.exitValue() : -1,
          "kubectl kustomize "
              + Project.ROOT.relativize(folder)
              + " failed: "
              + Files.readString(errors));
      List<JsonNode> objects = new ArrayList<>();
      try (MappingIterator<JsonNode> documents =
          new YAMLMapper()
              .readerFor(JsonNode.class)
              .readValues(new String(out, StandardCharsets.UTF_8))) {
        while (documents.hasNext()) {
          JsonNode document = documents.next();
          if (document != null && !document.isNull() && !document.isMissingNode()) {
            objects.add(document);
          }
        }
      }
      return objects;
    } finally {
      Files.deleteIfExists(errors);
    }
  }

  /** kubectl, or null. */
  static Path kubectl() {
    String named = System.getProperty("alexnet.kubectl");
    if (named != null) {
      return Files.isExecutable(Paths.get(named)) ? Paths.get(named) : null;
    }
    for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Paths.get(folder, "kubectl");
      if (!folder.isEmpty() && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
