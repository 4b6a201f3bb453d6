package org.alexnetspark.bench;

import java.io.IOException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.io.Json;
import org.apache.spark.SparkConf;

/**
 * A Spark standalone master and workers on this machine's loopback interface, each in a JVM of its
 * own started from this JVM's classpath (no Spark distribution needed), so that executors are
 * separate processes: parameters really cross process boundaries.
 *
 * <p>Kept minimal for the bench: no GPUs, no HDFS. The JVMs are stopped by {@link #close}.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

  private final Path dir;
  private final String masterUrl;
  private final List<Process> processes = new ArrayList<>();
  private final String classpath = System.getProperty("java.class.path");
  private final String jvmFlags;
  private final Thread shutdownHook = new Thread(this::stopProcesses, "loopback-cluster-stop");

  /**
   * Starts a master and {@code workers} workers of one core and {@code workerMemory} each, and
   * waits until every worker has registered.
   */
  StandaloneCluster(Path dir, int workers, String workerMemory) throws IOException, InterruptedException {
    this.dir = dir;
    this.jvmFlags = String.join(" ", moduleFlags());
    // SPARK_HOME only needs a jars/ folder (empty: executors get this JVM's classpath).
    Files.createDirectories(dir.resolve("spark/jars"));
    int port = freePort();
    masterUrl = "spark://127.0.0.1:" + port;
    int webUi = freePort();
    // A driver stopped by a signal still takes its cluster down (close() is not reached then).
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      processes.add(java("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", Integer.toString(port), "--webui-port", Integer.toString(webUi)));
      for (int w = 0; w < workers; w++) {
        processes.add(java("worker-" + w, "org.apache.spark.deploy.worker.Worker", masterUrl,
            "--host", "127.0.0.1", "--cores", "1", "--memory", workerMemory, "--webui-port",
            Integer.toString(freePort()), "--work-dir", dir.resolve("work-" + w).toString()));
      }
      waitForWorkers(webUi, workers, 120);
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  String masterUrl() {
    return masterUrl;
  }

  /**
   * A driver configuration for this cluster: one single-core executor per worker with
   * {@code executorMemory}, ND4J on one thread there, executors on this JVM's classpath.
   */
  SparkConf driverConf(SparkConf conf, int executors, String executorMemory) {
    return conf.setMaster(masterUrl)
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.cores.max", Integer.toString(executors))
        .set("spark.executor.cores", "1")
        .set("spark.executor.memory", executorMemory)
        .set("spark.executor.extraClassPath", classpath)
        .set("spark.executor.extraJavaOptions", jvmFlags)
        .set("spark.executorEnv.OMP_NUM_THREADS", "1")
        .set("spark.default.parallelism", Integer.toString(executors));
  }

  /** Process ids of the executor JVMs the workers have started. */
  List<Long> executorPids() {
    List<Long> pids = new ArrayList<>();
    for (Process process : processes) {
      process.descendants().filter(p -> commandLine(p.pid()).contains(EXECUTOR_MAIN))
          .forEach(p -> pids.add(p.pid()));
    }
    return pids;
  }

  /** A process's command line from /proc (ProcessHandle.Info leaves out long ones). */
  private static String commandLine(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private synchronized void stopProcesses() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process process = processes.get(i);
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  private Process java(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    command.addAll(moduleFlags());
    command.addAll(List.of("-cp", classpath, mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", dir.resolve("spark").toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_DIRS", dir.resolve("local").toString()); // executors' scratch space
    env.put("JAVA_HOME", System.getProperty("java.home"));
    return builder.start();
  }

  /** The --add-opens (and related) flags this JVM was started with: Spark needs them on Java 17. */
  private static List<String> moduleFlags() {
    List<String> flags = new ArrayList<>();
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("--add-opens") || argument.startsWith("--add-exports")
          || argument.startsWith("-Djdk.reflect.useDirectMethodHandle")) {
        flags.add(argument);
      }
    }
    return flags;
  }

  /** Waits until the master's status page counts {@code workers} alive workers. */
  private void waitForWorkers(int webUi, int workers, int seconds) throws IOException, InterruptedException {
    URI status = URI.create("http://127.0.0.1:" + webUi + "/json/");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int alive = 0;
    while (System.nanoTime() < deadline) {
      for (Process process : processes) {
        if (!process.isAlive()) {
          throw new IOException("a JVM of the loopback cluster exited with " + process.exitValue()
              + "; see the logs in " + dir);
        }
      }
      try (InputStream in = status.toURL().openStream()) {
        JsonNode json = Json.mapper().readTree(in);
        alive = json.path("aliveworkers").asInt(0);
        if (alive >= workers) {
          return;
        }
      } catch (IOException notYet) {
        // the master's page is not up yet
      }
      Thread.sleep(250);
    }
    throw new IOException("the loopback cluster did not start: " + alive + " of " + workers
        + " workers registered with the master within " + seconds + " s; see the logs in " + dir);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
