package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.MiniHdfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet models promote} of two versions started at the same moment in two JVMs, ten times,
 * on a real (in-process) HDFS: the history holds every event, {@code current} is always the last
 * one, neither fails, and the one that waited says so.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class RegistryConcurrencyIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  @Test
  void twoJvmsPromotingAtOnceLoseNoEventAndCurrentIsTheLastOne() throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of());
    URI model = HDFS.uri("/concurrency-models/a");
    new ModelStore(storage)
        .save(AlexNet.create(config.model(), config.optimizer()), config, model, false);
    URI root = HDFS.uri("/registry");
    ModelRegistry registry = new ModelRegistry(storage, root, "fashion");
    List<String> versions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      versions.add(registry.register(model, ModelRegistryIT.entry(0.1 * (i + 1))));
    }
    registry.promote(versions.get(0), "start");

    Path logs = Files.createDirectories(Paths.get("target", "registry-concurrency"));
    int waited = 0;
    for (int round = 0; round < 10; round++) {
      String current = registry.current();
      // The two versions that are not current: each JVM's promotion changes something.
      List<String> others = versions.stream().filter(v -> !v.equals(current)).toList();
      long at = System.currentTimeMillis() + 6_000;
      List<Process> jvms = new ArrayList<>();
      for (int j = 0; j < 2; j++) {
        jvms.add(
            new ProcessBuilder(
                    javaCommand(
                        at,
                        "models",
                        "promote",
                        "--registry",
                        root.toString(),
                        "--name",
                        "fashion",
                        others.get(j)))
                .redirectOutput(logs.resolve("round-" + round + "-" + j + ".out").toFile())
                .redirectError(logs.resolve("round-" + round + "-" + j + ".err").toFile())
                .start());
      }
      for (int j = 0; j < 2; j++) {
        Process jvm = jvms.get(j);
        assertTrue(jvm.waitFor(3, TimeUnit.MINUTES), "round " + round + " jvm " + j);
        String out = Files.readString(logs.resolve("round-" + round + "-" + j + ".out"));
        String err = Files.readString(logs.resolve("round-" + round + "-" + j + ".err"));
        assertEquals(0, jvm.exitValue(), "round " + round + ": " + out + err);
        assertTrue(out.contains(others.get(j) + " is now current"), out);
        if (err.contains("registry fashion is locked by ")) {
          assertTrue(err.contains(", retrying"), err);
          System.out.println(
              "round "
                  + round
                  + " jvm "
                  + j
                  + ": "
                  + err.lines().filter(l -> l.contains("locked")).findFirst().orElse(""));
          waited++;
        }
      }
      List<ModelRegistry.Promotion> events = registry.promotions();
      assertEquals(1 + 2 * (round + 1), events.size(), "round " + round + ": every event kept");
      ModelRegistry.Promotion last = events.get(events.size() - 1);
      assertEquals(last.to(), registry.current());
      assertEquals(
          last.to() + "\n",
          storage.readText(HDFS.uri("/registry/fashion/current")),
          "the pointer agrees with the last event");
      for (int i = 0; i < events.size(); i++) {
        assertEquals(i + 1, events.get(i).sequence());
        if (i > 0) {
          assertEquals(events.get(i - 1).to(), events.get(i).from(), "each follows the last");
        }
      }
    }
    System.out.println("rounds in which one JVM waited for the other: " + waited + " of 10");
    assertTrue(waited >= 1, "the two JVMs never met at the lock: nothing was tested");
  }

  private static List<String> javaCommand(long at, String... args) {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    String classpath =
        String.join(File.pathSeparator, "target/classes", "target/test-classes", "target/lib/*");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx512m",
                "-Dlog4j2.configurationFile=jobs/local/log4j2.properties",
                "-cp",
                classpath));
    command.add(SimultaneousCommand.class.getName());
    command.add(Long.toString(at));
    command.addAll(List.of(args));
    return command;
  }
}
