package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU assignment on a real Spark cluster on this machine: a standalone master and a worker in their
 * own JVMs, the worker advertising two GPUs through a discovery script, an application submitted
 * with spark-submit asking for two GPUs per executor and one per task. Two concurrent tasks of the
 * one executor must receive, and pin themselves to, different GPUs.
 */
class GpuAssignmentIT {
  private static final Pattern REPORT =
      Pattern.compile("TASK (\\d) gpu=(\\S+) start=(\\d+) end=(\\d+) executor=(\\S+)");

  @Test
  void concurrentTasksOfOneExecutorReceiveAndApplyDifferentGpus(@TempDir Path dir)
      throws Exception {
    Path home = sparkHome(dir);
    Path script = dir.resolve("discover-gpus.sh");
    Files.writeString(
        script, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
    script.toFile().setExecutable(true);
    Path app = applicationJar(dir);
    String opens = Files.readString(Paths.get("target", "jvm.options")).strip();
    int port = freePort();
    String masterUrl = "spark://127.0.0.1:" + port;

    List<Process> cluster = new ArrayList<>();
    try {
      cluster.add(
          java(
              home,
              dir.resolve("master.log"),
              opens,
              List.of(),
              "org.apache.spark.deploy.master.Master",
              "--host",
              "127.0.0.1",
              "--port",
              "" + port,
              "--webui-port",
              "" + freePort()));
      cluster.add(
          java(
              home,
              dir.resolve("worker.log"),
              opens,
              List.of(
                  "-Dspark.worker.resource.gpu.amount=2",
                  "-Dspark.worker.resource.gpu.discoveryScript=" + script),
              "org.apache.spark.deploy.worker.Worker",
              masterUrl,
              "--host",
              "127.0.0.1",
              "--cores",
              "2",
              "--memory",
              "2g",
              "--webui-port",
              "" + freePort(),
              "--work-dir",
              dir.resolve("work").toString()));
      waitFor(dir.resolve("worker.log"), "Successfully registered with master", 60);

      Path output = dir.resolve("submit.log");
      Process submit =
          java(
              home,
              output,
              opens,
              List.of(),
              "org.apache.spark.deploy.SparkSubmit",
              "--master",
              masterUrl,
              "--class",
              GpuProbe.class.getName(),
              "--conf",
              "spark.executor.cores=2",
              "--conf",
              "spark.executor.memory=1g",
              "--conf",
              "spark.executor.resource.gpu.amount=2",
              "--conf",
              "spark.task.resource.gpu.amount=1",
              "--conf",
              "spark.executor.resource.gpu.discoveryScript=" + script,
              "--conf",
              "spark.executor.extraJavaOptions=" + opens,
              "--conf",
              "spark.driver.host=127.0.0.1",
              "--conf",
              "spark.ui.enabled=false",
              app.toString());
      assertTrue(submit.waitFor(180, TimeUnit.SECONDS), "the application finished");
      String log = Files.readString(output);
      assertEquals(0, submit.exitValue(), log);

      Matcher matcher = REPORT.matcher(log);
      List<long[]> windows = new ArrayList<>();
      Set<String> gpus = new TreeSet<>();
      Set<String> executors = new TreeSet<>();
      while (matcher.find()) {
        gpus.add(matcher.group(2));
        windows.add(
            new long[] {Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(4))});
        executors.add(matcher.group(5));
      }
      assertEquals(2, windows.size(), log);
      assertEquals(Set.of("0", "1"), gpus, "each task got its own GPU");
      assertEquals(1, executors.size(), "both tasks ran in the one executor");
      assertTrue(
          windows.get(0)[0] < windows.get(1)[1] && windows.get(1)[0] < windows.get(0)[1],
          "the two tasks ran at the same time");
    } finally {
      for (Process process : cluster) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A SPARK_HOME whose jars/ links every jar of the test classpath (no Spark distribution) except
   * this project's own, which is the application.
   */
  private static Path sparkHome(Path dir) throws IOException {
    Path jars = Files.createDirectories(dir.resolve("spark/jars"));
    Path target = Paths.get("target").toAbsolutePath();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Paths.get(entry);
      if (entry.endsWith(".jar")
          && Files.isRegularFile(jar)
          && !jar.toAbsolutePath().startsWith(target)
          && !Files.exists(jars.resolve(jar.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar.toAbsolutePath());
      }
    }
    return dir.resolve("spark");
  }

  /** This project's classes and the probe, as the application jar. */
  private static Path applicationJar(Path dir) throws IOException {
    Path jar = dir.resolve("app.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (Path root : List.of(Paths.get("target/classes"), Paths.get("target/test-classes"))) {
        try (Stream<Path> files = Files.walk(root)) {
          for (Path file : files.filter(Files::isRegularFile).toList()) {
            String name = root.relativize(file).toString().replace(File.separatorChar, '/');
            if (!(name.endsWith(".class")
                || name.endsWith(".conf")
                || name.endsWith(".properties"))) {
              continue;
            }
            try {
              out.putNextEntry(new JarEntry(name));
            } catch (ZipException duplicate) {
              continue; // the same resource in both trees: the first one wins
            }
            Files.copy(file, out);
            out.closeEntry();
          }
        }
      }
    }
    return jar;
  }

  private static Process java(
      Path home, Path log, String opens, List<String> properties, String mainClass, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
    command.addAll(List.of(opens.split("\\s+")));
    command.addAll(properties);
    command.addAll(List.of("-cp", home.resolve("jars") + File.separator + "*", mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.start();
  }

  private static void waitFor(Path log, String text, int seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "'"
            + text
            + "' did not appear in "
            + log
            + ":\n"
            + (Files.exists(log) ? Files.readString(log) : "(no log)"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
