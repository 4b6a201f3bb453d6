package org.alexnetspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link LoopbackCluster} started from the classpath {@code jobs/local/alexnet} runs with (the
 * application jar and {@code target/lib}), as {@code alexnet bench} starts it, with a driver in the
 * same JVM ({@link LoopbackClusterCheck}): executors in JVMs of their own on both workers, the two
 * GPU addresses of each handed to concurrent tasks, the application's classes and the HDFS
 * reachable from the executors, and nothing left running afterwards.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LoopbackClusterIT {
  private static final Pattern TASK =
      Pattern.compile(
          "task (\\d) executor-pid (\\d+) gpu (\\d) class ExactAveragingMaster hdfs-length (\\d+)");

  @Test
  void runsExecutorsInTheirOwnJvmsFromTheApplicationsRuntimeClasspath() throws Exception {
    Path project = Paths.get("").toAbsolutePath();
    Path target = project.resolve("target");
    Path jar;
    try (Stream<Path> files = Files.list(target)) {
      jar =
          files
              .filter(
                  p -> p.getFileName().toString().matches("alexnet-spark-[^-]+(-SNAPSHOT)?\\.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no application jar in " + target));
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    command.addAll(List.of(Files.readString(target.resolve("jvm.options")).strip().split("\\s+")));
    // What jobs/local/alexnet puts on the classpath, and this check.
    command.addAll(
        List.of(
            "-cp",
            jar + ":" + target.resolve("lib") + "/*:" + target.resolve("test-classes"),
            LoopbackClusterCheck.class.getName(),
            target.resolve("loopback-check").toString()));
    Path log = target.resolve("loopback-check.log");
    Process check =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(check.waitFor(4, TimeUnit.MINUTES), "the check did not finish");
    } finally {
      check.destroyForcibly();
    }
    String output = Files.readString(log);
    assertEquals(0, check.exitValue(), output);

    Matcher task = TASK.matcher(output);
    Map<Long, Set<String>> gpusByExecutor = new TreeMap<>();
    int tasks = 0;
    while (task.find()) {
      tasks++;
      gpusByExecutor
          .computeIfAbsent(Long.parseLong(task.group(2)), k -> new TreeSet<>())
          .add(task.group(3));
      assertEquals("22000", task.group(4), "the driver's file as an executor read it from HDFS");
    }
    assertEquals(4, tasks, output);
    Matcher driver = Pattern.compile("driver-pid (\\d+)").matcher(output);
    assertTrue(driver.find(), output);
    assertEquals(2, gpusByExecutor.size(), "two executor JVMs: " + gpusByExecutor);
    assertFalse(
        gpusByExecutor.containsKey(Long.parseLong(driver.group(1))), "not the driver's JVM");
    for (Set<String> gpus : gpusByExecutor.values()) {
      assertEquals(
          Set.of("0", "1"), gpus, "both GPU addresses of an executor used: " + gpusByExecutor);
    }
    assertTrue(output.contains("executors-launched 2"), output);
    for (long pid : gpusByExecutor.keySet()) {
      assertFalse(
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
          "executor " + pid + " stopped with the cluster");
    }
    String work = target.resolve("loopback-check").toString();
    assertEquals(
        List.of(),
        ProcessHandle.allProcesses()
            .map(LoopbackCluster::commandLineOf)
            .filter(c -> c.contains(work))
            .toList(),
        "no master, worker or executor left running");
  }
}
