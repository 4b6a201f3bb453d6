package org.alexnetspark.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.alexnetspark.cluster.LoopbackCluster;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link LoopbackCluster} of the cluster tests, shared by every test class of a run and torn
 * down when the run ends, with jobs submitted exactly as users submit them: by the {@code
 * jobs/yarn/} scripts, with the application jar {@code target/alexnet-spark-*-cluster-cpu.jar}, in
 * client mode against the standalone master, with {@code conf/spark-defaults.conf} and its sizes
 * scaled down to this machine.
 *
 * <ul>
 *   <li>two workers of two cores, each advertising two GPUs ("0", "1") through the project's own
 *       {@code conf/gpu-discovery.sh} (with {@code CUDA_VISIBLE_DEVICES=0,1}), running Spark from
 *       {@code target/spark/jars} (Spark's own runtime jars, built by {@code mvn verify}): the
 *       application comes with the submitted jar, as on a real cluster;
 *   <li>HDFS with three DataNodes, files replicated twice, which the submitted processes reach
 *       through a {@code HADOOP_CONF_DIR} (so {@code hdfs:///x} means this HDFS);
 *   <li>{@code spark-submit} and {@code hdfs dfs} commands for the scripts.
 * </ul>
 *
 * <p>Every process's output is kept in {@code target/loopback/} (executors': the workers' {@code
 * work/} folders) for post-mortems.
 *
 * <pre>
 * {@literal @}RegisterExtension static final ScriptedCluster CLUSTER = new ScriptedCluster();
 * ScriptedCluster.Submission run = CLUSTER.job("train").env("RUN", "hdfs:///runs/a").start();
 * </pre>
 */
public final class ScriptedCluster implements BeforeAllCallback {
  private static final String KEY = ScriptedCluster.class.getName();

  private Shared shared;

  @Override
  public void beforeAll(ExtensionContext context) {
    shared =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(KEY, key -> Shared.start(), Shared.class);
  }

  /** The cluster: its processes, HDFS and fault helpers. */
  public LoopbackCluster cluster() {
    return shared.cluster;
  }

  /** {@code hdfs://localhost:port} + {@code path} on the cluster's HDFS. */
  public URI hdfs(String path) {
    return cluster().hdfs(path);
  }

  /** The cluster's HDFS, as a client of this JVM sees it. */
  public DistributedFileSystem fileSystem() {
    return cluster().fileSystem();
  }

  /** A client configuration for the cluster's HDFS (replication 2, 1 MB blocks). */
  public Configuration hadoopConfiguration() {
    return cluster().hadoopConfiguration();
  }

  public Storage storage() {
    return new Storage(hadoopConfiguration());
  }

  /** Where every process's output is kept. */
  public Path logs() {
    return cluster().workDir();
  }

  /**
   * The cluster jar of the project's {@code target/}: the CPU build ({@code
   * alexnet-spark-*-cluster-cpu.jar}, which {@code mvn verify} makes), else the CUDA build ({@code
   * -cluster-cuda.jar}, built with {@code -Dcuda}: it holds the CPU backend too, which these
   * GPU-less machines use).
   */
  public static Path applicationJar(Path project) throws IOException {
    try (Stream<Path> files = Files.list(project.resolve("target"))) {
      return files
          .filter(
              p -> p.getFileName().toString().matches("alexnet-spark-.*-cluster-(cpu|cuda)\\.jar"))
          // false (the CPU build) first
          .min(Comparator.comparing(p -> p.getFileName().toString().endsWith("-cuda.jar")))
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no target/alexnet-spark-*-cluster-cpu.jar (or -cluster-cuda.jar): "
                          + "run 'mvn verify', which builds it (pre-integration-test)"));
    }
  }

  /** A {@code jobs/yarn/<script>} run to configure and start. */
  public Job job(String script) {
    return new Job(shared, script);
  }

  /**
   * One run of a {@code jobs/yarn/} script against the cluster: environment variables of the script
   * (e.g. {@code RUN}, {@code DATASETS}), more Spark settings, JVM options of the driver,
   * arguments.
   */
  public static final class Job {
    private final Shared cluster;
    private final String script;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> conf = new LinkedHashMap<>();
    private final List<String> driverOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();

    Job(Shared cluster, String script) {
      this.cluster = cluster;
      this.script = script;
    }

    /** An environment variable of the script (see jobs/yarn/submit.sh and the script). */
    public Job env(String name, String value) {
      env.put(name, value);
      return this;
    }

    /** A Spark property, passed through EXTRA_SPARK_CONF (over conf/spark-defaults.conf). */
    public Job conf(String key, String value) {
      conf.put(key, value);
      return this;
    }

    /** A JVM option of the driver, added to spark.driver.extraJavaOptions. */
    public Job driverOption(String option) {
      driverOptions.add(option);
      return this;
    }

    /** Arguments after the script's own (e.g. --set key=value). */
    public Job args(String... more) {
      args.addAll(List.of(more));
      return this;
    }

    /** Starts the script; its output goes to target/loopback/jobs/. */
    public Submission start() {
      return cluster.submit(this);
    }

    /** Runs the script to its end. */
    public Submission run(Duration timeout) {
      Submission submission = start();
      submission.waitFor(timeout);
      return submission;
    }
  }

  /** A submitted job: its driver process (client mode) and its output. */
  public static final class Submission {
    private final String name;
    private final Process process;
    private final Path log;
    private final Instant started = Instant.now();

    Submission(String name, Process process, Path log) {
      this.name = name;
      this.process = process;
      this.log = log;
    }

    /** Waits for the job's end and returns its exit code; on timeout kills it and fails. */
    public int waitFor(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          LoopbackCluster.killTree(process.toHandle());
          throw new AssertionError(
              name + " did not finish within " + timeout + "; its output:\n" + tail(200));
        }
      } catch (InterruptedException e) {
        LoopbackCluster.killTree(process.toHandle());
        Thread.currentThread().interrupt();
        throw new AssertionError(name + " interrupted", e);
      }
      return process.exitValue();
    }

    /** The exit code; the job must have ended. */
    public int exitCode() {
      return process.exitValue();
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    /** Everything the job printed so far (the script, the launcher and the driver's log). */
    public String output() {
      try {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The last {@code lines} lines of the output, for failure messages. */
    public String tail(int lines) {
      List<String> all = output().lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** A line of the output (numbered from 0) and what matched in it. */
    public record LogLine(int number, String text, MatchResult match) {}

    /**
     * Waits until a line of the output matches {@code pattern} and returns it; fails if the job
     * ends first or the time runs out.
     */
    public LogLine awaitLog(Pattern pattern, Duration timeout) {
      return awaitLog(pattern, timeout, -1);
    }

    /** {@link #awaitLog(Pattern, Duration)} looking only at lines after line {@code after}. */
    public LogLine awaitLog(Pattern pattern, Duration timeout, int after) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        boolean ended = !process.isAlive();
        List<String> lines = output().lines().toList();
        for (int i = after + 1; i < lines.size(); i++) {
          Matcher matcher = pattern.matcher(lines.get(i));
          if (matcher.find()) {
            return new LogLine(i, lines.get(i), matcher.toMatchResult());
          }
        }
        if (ended) {
          throw new AssertionError(
              name
                  + " ended (exit code "
                  + process.exitValue()
                  + ") before "
                  + "printing a line matching '"
                  + pattern
                  + "'; its output:\n"
                  + tail(200));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "no line matching '"
                  + pattern
                  + "' from "
                  + name
                  + " within "
                  + timeout
                  + "; its output:\n"
                  + tail(200));
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }

    /** Lines of the output that match {@code pattern}. */
    public List<String> lines(Pattern pattern) {
      return output().lines().filter(line -> pattern.matcher(line).find()).toList();
    }

    /** Kills the driver (the submitting process, in client mode) with SIGKILL and waits for it. */
    public void killDriver() {
      LoopbackCluster.killTree(process.toHandle());
    }

    /** The driver's process. */
    public ProcessHandle driver() {
      return process.toHandle();
    }

    /** When it was submitted. */
    public Instant started() {
      return started;
    }

    public Path logFile() {
      return log;
    }

    @Override
    public String toString() {
      return name + " (" + log + ")";
    }
  }

  /** The cluster and the scripts' commands, started once per JVM. */
  static final class Shared implements ExtensionContext.Store.CloseableResource {
    private final Path project = Paths.get("").toAbsolutePath();
    private final Path bin;
    private final String jvmOptions;
    private final LoopbackCluster cluster;
    private final AtomicInteger jobCount = new AtomicInteger();

    private Shared(LoopbackCluster cluster) throws IOException {
      this.cluster = cluster;
      this.bin = cluster.workDir().resolve("bin");
      this.jvmOptions = Files.readString(project.resolve("target/jvm.options")).strip();
      Files.createDirectories(cluster.workDir().resolve("jobs"));
      Files.createDirectories(bin);
      script(bin.resolve("spark-submit"), SPARK_SUBMIT);
      script(bin.resolve("hdfs"), HDFS);
    }

    static Shared start() {
      Path project = Paths.get("").toAbsolutePath();
      Path sparkJars = project.resolve("target/spark/jars");
      try {
        if (!Files.isDirectory(sparkJars)) {
          throw new IllegalStateException(
              sparkJars
                  + " is missing: run 'mvn verify', which builds it "
                  + "(pre-integration-test)");
        }
        applicationJar(project);
        LoopbackCluster cluster =
            LoopbackCluster.start(
                LoopbackCluster.Options.of(2, 2, "1536m", 2, project.resolve("target/loopback"))
                    .withSparkJars(sparkJars)
                    .withGpuDiscoveryScript(project.resolve("conf/gpu-discovery.sh"))
                    .withLog4jConfig(project.resolve("conf/log4j2.properties")));
        try {
          return new Shared(cluster);
        } catch (IOException | RuntimeException e) {
          cluster.close();
          throw e;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the loopback cluster", e);
      }
    }

    private static void script(Path file, String text) throws IOException {
      Files.writeString(file, text);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Submission submit(Job job) {
      try {
        int number = jobCount.incrementAndGet();
        String name = String.format(Locale.ROOT, "%02d-%s", number, job.script);
        Path log = cluster.workDir().resolve("jobs").resolve(name + ".log");
        ProcessBuilder builder =
            new ProcessBuilder(
                    new ArrayList<>(
                        List.of(project.resolve("jobs/yarn").resolve(job.script).toString())))
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.putAll(cluster.environment());
        env.put(
            "PATH",
            bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("MASTER", cluster.masterUrl());
        env.put("DEPLOY_MODE", "client");
        env.put("SPARK_SUBMIT", bin.resolve("spark-submit").toString());
        env.put("HDFS_CLI", bin.resolve("hdfs").toString());
        env.put("PROPERTIES_FILE", project.resolve("conf/spark-defaults.conf").toString());
        env.put("APP_JAR", applicationJar(project).toString());
        env.put("EXECUTORS", "2");
        env.put("GPUS_PER_EXECUTOR", "2");
        env.put("DRIVER_GPUS", "0");
        env.put("TASK_CPUS", "1");
        Map<String, String> conf = sparkConf(job);
        StringBuilder extra = new StringBuilder();
        conf.forEach((k, v) -> extra.append(k).append('=').append(v).append('\n'));
        env.put("EXTRA_SPARK_CONF", extra.toString());
        env.putAll(job.env);
        builder.command().addAll(job.args);
        // What was set for the script (not the whole inherited environment), and its command.
        StringBuilder record = new StringBuilder();
        for (String key :
            List.of(
                "SPARK_HOME",
                "SPARK_CONF_DIR",
                "HADOOP_CONF_DIR",
                "MASTER",
                "DEPLOY_MODE",
                "SPARK_SUBMIT",
                "HDFS_CLI",
                "PROPERTIES_FILE",
                "APP_JAR",
                "EXECUTORS",
                "GPUS_PER_EXECUTOR",
                "DRIVER_GPUS",
                "TASK_CPUS")) {
          record.append(key).append('=').append(env.get(key)).append('\n');
        }
        job.env.forEach((k, v) -> record.append(k).append('=').append(v).append('\n'));
        record
            .append("EXTRA_SPARK_CONF=")
            .append(extra.toString().replace("\n", "\n  "))
            .append('\n')
            .append(String.join(" ", builder.command()))
            .append('\n');
        Files.writeString(cluster.workDir().resolve("jobs").resolve(name + ".command"), record);
        Process process = builder.start();
        cluster.register(process);
        return new Submission(name, process, log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * conf/spark-defaults.conf sizes executors and drivers for the paper's network on GPU nodes;
     * these fit two workers of two cores on this machine, with the scaled network.
     */
    private Map<String, String> sparkConf(Job job) {
      String javacpp = "-Dorg.bytedeco.javacpp.cachedir=" + project.resolve("target/javacpp-cache");
      Map<String, String> conf = new LinkedHashMap<>();
      conf.put("spark.executor.memory", "1g");
      conf.put("spark.executor.memoryOverhead", "512m");
      conf.put("spark.executor.cores", "2");
      // Standalone: wait for both executors (four cores) before the first job, as
      // spark.scheduler.minRegisteredResourcesRatio = 1.0 makes YARN wait for every executor.
      conf.put("spark.cores.max", "4");
      conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "3min");
      conf.put("spark.driver.memory", "1g");
      conf.put("spark.driver.memoryOverhead", "512m");
      conf.put("spark.driver.maxResultSize", "512m");
      conf.put("spark.driver.cores", "1");
      conf.put("spark.driver.host", "127.0.0.1");
      conf.put("spark.ui.enabled", "false");
      // Four replicas on two cores: one thread each.
      conf.put("spark.executorEnv.OMP_NUM_THREADS", "1");
      conf.put(
          "spark.driver.extraJavaOptions",
          String.join(
                  " ",
                  jvmOptions,
                  javacpp,
                  "-Dorg.bytedeco.javacpp.maxbytes=1g",
                  "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g",
                  String.join(" ", job.driverOptions))
              .strip());
      conf.put(
          "spark.executor.extraJavaOptions",
          String.join(
              " ",
              jvmOptions,
              javacpp,
              "-Dorg.bytedeco.javacpp.maxbytes=1g",
              "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g"));
      conf.putAll(job.conf);
      return conf;
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  /**
   * spark-submit without a Spark distribution, doing what $SPARK_HOME/bin/spark-submit does through
   * bin/spark-class: Spark's launcher builds the driver's command line (in client mode it applies
   * spark.driver.memory and spark.driver.extraJavaOptions, and adds the --add-opens list), then the
   * script becomes that command, so the submitting process is the driver.
   */
  public static final String SPARK_SUBMIT =
      """
      #!/usr/bin/env bash
      # spark-submit of the loopback test cluster: what $SPARK_HOME/bin/spark-submit does through
      # bin/spark-class, for a SPARK_HOME that holds only jars/.
      set -euo pipefail
      : "${SPARK_HOME:?SPARK_HOME must be set}"
      java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
      # The launcher prints its messages, an empty line, then the command's words each ended by
      # NUL; its exit code follows.
      launch() {
        "$java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main \\
          org.apache.spark.deploy.SparkSubmit "$@"
        printf '%d\\0' $?
      }
      command=()
      delimiter=$'\\n'
      while IFS= read -r -d "$delimiter" word; do
        if [[ -z "$delimiter" ]]; then
          command+=("$word")
        elif [[ -z "$word" ]]; then
          delimiter=''
        else
          printf '%s\\n' "$word"
        fi
      done < <(launch "$@")
      count=${#command[@]}
      if ((count == 0)) || ! [[ "${command[count - 1]}" =~ ^[0-9]+$ ]]; then
        echo "spark-submit: Spark's launcher failed" >&2
        exit 1
      fi
      if ((command[count - 1] != 0)); then
        exit "${command[count - 1]}"
      fi
      exec "${command[@]:0:count - 1}"
      """;

  /** {@code hdfs dfs ...} (Hadoop's FsShell from Spark's jars), which jobs/yarn/train uses. */
  public static final String HDFS =
      """
      #!/usr/bin/env bash
      # 'hdfs dfs' of the loopback test cluster: Hadoop's FsShell from the jars of SPARK_HOME.
      set -euo pipefail
      if [[ "${1:-}" != dfs ]]; then
        echo "hdfs: only 'hdfs dfs ...' is available here" >&2
        exit 2
      fi
      shift
      exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Xmx256m \\
        -cp "$HADOOP_CONF_DIR:$SPARK_CONF_DIR:$SPARK_HOME/jars/*" org.apache.hadoop.fs.FsShell "$@"
      """;
}
