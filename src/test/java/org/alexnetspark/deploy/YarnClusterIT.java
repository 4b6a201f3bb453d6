package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.ApplicationAttempt;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.MiniYarn;
import org.alexnetspark.train.CheckpointStore;
import org.alexnetspark.train.EpochMetrics;
import org.alexnetspark.train.MetricsLog;
import org.alexnetspark.train.TrainingState;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptReport;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The documented YARN commands, run verbatim on a real YARN (a MiniYARNCluster: ResourceManager,
 * NodeManager, every container a process of its own) with a real HDFS, in cluster mode: the {@code
 * bash} block under the YARN heading of {@code docs/deployment.md} (else {@code README.md}) uploads
 * the cluster jar to HDFS and runs {@code jobs/yarn/prepare-train}, {@code prepare-val}, {@code
 * stats}, {@code train} (two epochs of Fashion-MNIST) and {@code evaluate}. The test changes only
 * the authority of the {@code hdfs:///} URIs (to the in-process HDFS's) and the documented CUDA
 * build of the jar to the CPU build (no GPU here), and sets the environment an edge node and a site
 * have ({@link MiniYarn#environment()}, {@code ALEXNET_CONF}, sizes for this machine).
 *
 * <p>While train runs, its ApplicationMaster (the driver, in cluster mode) is killed with SIGKILL
 * after a mid-epoch checkpoint: YARN starts a second attempt, which must resume from the latest
 * checkpoint at the same position, and the run must end with its two epochs complete.
 */
@Timeout(value = 45, unit = TimeUnit.MINUTES)
class YarnClusterIT {
  private static final Pattern CHECKPOINT =
      Pattern.compile(
          "checkpoint (\\S+) written: epoch (\\d+), minibatch (\\d+) of the epoch, iteration (\\d+)");
  private static final Pattern RESUMED =
      Pattern.compile(
          "resuming from (\\S+): epoch (\\d+), minibatch (\\d+) of the epoch, iteration (\\d+)");

  private static final int TRAIN_PER_CLASS = 12;
  private static final int VAL_PER_CLASS = 4;

  /** The site configuration (ALEXNET_CONF): the scaled network, two epochs on tiny data. */
  private static final String SITE_CONF =
      """
      model {
        variant = scaled
        classes = 10
        scaled { input-size = 67, width-multiplier = 0.125, fc-width = 64 }
        init { weight-std = 0.05, bias-one-layers = [] }
      }
      data { image-size = 72 }
      train {
        epochs = 2
        batch-per-worker = 16
        averaging-frequency = 1
        rounds-per-job = 2
        eval-batch = 50
        checkpoint { every-iterations = 2 }
        schedule { type = step, step-epochs = [] }
      }
      """;

  @Test
  void theDocumentedCommandsRunOnYarnAndAKilledApplicationMasterResumesAtTheSamePosition()
      throws Exception {
    Instant start = Instant.now();
    Path project = Paths.get("").toAbsolutePath();
    String commands = documentedCommands(project);
    try (MiniYarn yarn = MiniYarn.start("yarn-cluster", 12 * 1024)) {
      String hdfs = yarn.hdfs("/").toString(); // hdfs://localhost:port/
      // This HDFS, and the CPU build of the jar (mvn verify's; there is no GPU here) where the
      // documentation puts the CUDA build.
      String script =
          commands.replace("hdfs:///", hdfs).replace("-cluster-cuda.jar", "-cluster-cpu.jar");
      assertTrue(script.contains("target/alexnet-spark-*-cluster-cpu.jar"), script);
      Path home = yarn.home();
      Files.writeString(home.resolve("commands.sh"), script);
      log(start, "YARN and HDFS started");
      imageNetStyleTree(yarn, home.resolve("imagenet"));
      log(start, "ImageNet-style tree on HDFS");
      FileSystem fs = yarn.fileSystem();
      // What a site sets up once (conf/spark-defaults.conf logs events there).
      org.apache.hadoop.fs.Path history = new org.apache.hadoop.fs.Path("/spark-history");
      fs.mkdirs(history);
      fs.setPermission(history, new FsPermission((short) 01777));
      Path siteConf = Files.writeString(home.resolve("site.conf"), SITE_CONF);

      ProcessBuilder builder =
          new ProcessBuilder("bash", "-euxo", "pipefail", home.resolve("commands.sh").toString())
              .directory(project.toFile())
              .redirectErrorStream(true)
              .redirectOutput(home.resolve("commands.log").toFile());
      Map<String, String> env = builder.environment();
      env.putAll(yarn.environment());
      env.put("MASTER", "yarn");
      env.put("DEPLOY_MODE", "cluster");
      env.put("ALEXNET_CONF", siteConf.toString());
      env.put("EXECUTORS", "1");
      env.put("GPUS_PER_EXECUTOR", "0");
      env.put("EXTRA_SPARK_CONF", smallSizes(project));
      Process commandsRun = builder.start();
      log(start, "documented commands started");
      try {
        YarnClient client = yarn.client();
        URI run = yarn.hdfs("/alexnet/runs/r1");

        // 1. Train's first attempt, killed after a mid-epoch checkpoint.
        ApplicationReport train = awaitApplication(client, "alexnet train", commandsRun, home);
        ApplicationAttemptReport first =
            awaitAttempt(client, train, 1, commandsRun, home, Duration.ofMinutes(10));
        String firstAm = first.getAMContainerId().toString();
        Path firstLog = awaitContainerLog(yarn, firstAm, commandsRun, home, Duration.ofMinutes(5));
        Matcher checkpoint =
            awaitLine(
                firstLog,
                CHECKPOINT,
                m -> Integer.parseInt(m.group(3)) > 0,
                commandsRun,
                home,
                Duration.ofMinutes(15));
        log(start, "killing the ApplicationMaster after: " + checkpoint.group());
        List<ProcessHandle> killed = kill(firstAm);
        assertFalse(killed.isEmpty(), "no process of the ApplicationMaster " + firstAm);
        for (ProcessHandle process : killed) {
          process.onExit().get(30, TimeUnit.SECONDS);
        }
        Storage storage = new Storage(yarn.hadoopConfiguration());
        TrainingState atKill = new CheckpointStore(storage, run, 50).peekLatest().state();
        assertTrue(
            atKill.batch() > 0 || atKill.iteration() > Integer.parseInt(checkpoint.group(4)),
            "a mid-epoch checkpoint (or a later one) at the kill: " + atKill);

        // 2. The commands end with every stage done.
        assertTrue(
            commandsRun.waitFor(30, TimeUnit.MINUTES),
            "the documented commands did not finish:\n" + tail(home.resolve("commands.log")));
        log(start, "documented commands ended");
        String output = Files.readString(home.resolve("commands.log"), StandardCharsets.UTF_8);
        assertEquals(0, commandsRun.exitValue(), tail(home.resolve("commands.log")));
        assertFalse(
            output.contains("Neither spark.yarn.jars nor spark.yarn.archive is set"),
            "the site's spark.yarn.jars (SPARK_CONF_DIR/spark-defaults.conf) was dropped");

        // 3. The second attempt resumed where the first one's last checkpoint left off.
        List<ApplicationAttemptReport> attempts =
            client.getApplicationAttempts(train.getApplicationId());
        assertEquals(2, attempts.size(), attempts.toString());
        ApplicationAttemptReport second =
            attempts.stream()
                .filter(a -> a.getApplicationAttemptId().getAttemptId() == 2)
                .findFirst()
                .orElseThrow();
        Path secondLog =
            yarn.containerLogs(second.getAMContainerId().toString())
                .orElseThrow()
                .resolve("stderr");
        String secondOutput = Files.readString(secondLog, StandardCharsets.UTF_8);
        String applicationId = train.getApplicationId().toString();
        String retry = "attempt 2 of " + applicationId + ": resuming from the latest checkpoint";
        assertTrue(secondOutput.contains(retry), retry + " in\n" + secondLog);
        Matcher resumed = RESUMED.matcher(secondOutput);
        assertTrue(resumed.find(), "no resume line in " + secondLog);
        assertEquals(
            atKill.epoch() + "/" + atKill.batch() + "/" + atKill.iteration(),
            resumed.group(2) + "/" + resumed.group(3) + "/" + resumed.group(4),
            "resumed at the killed attempt's latest checkpoint: " + resumed.group());
        assertFalse(
            Files.readString(firstLog, StandardCharsets.UTF_8).contains("resuming from"),
            "the first attempt started afresh");
        System.out.println("AM killed after: " + checkpoint.group());
        System.out.println("second attempt: " + grep(secondOutput, retry));
        System.out.println("second attempt: " + grep(secondOutput, "resuming from hdfs"));
        assertEquals(
            applicationId + "\n",
            storage.readText(Locations.child(run, ApplicationAttempt.CLAIM_FILE)));

        // 4. Every application succeeded, train after two attempts and the others in one (a
        // command that returns 0 is a successful attempt, not a retried one).
        for (ApplicationReport app : client.getApplications()) {
          assertEquals(
              FinalApplicationStatus.SUCCEEDED,
              app.getFinalApplicationStatus(),
              app.getName() + " " + app.getApplicationId() + ": " + app.getDiagnostics());
          int expected = app.getApplicationId().equals(train.getApplicationId()) ? 2 : 1;
          assertEquals(
              expected,
              client.getApplicationAttempts(app.getApplicationId()).size(),
              app.getName() + " " + app.getApplicationId());
        }
        assertEquals(
            List.of(
                "alexnet evaluate",
                "alexnet prepare",
                "alexnet prepare",
                "alexnet stats",
                "alexnet train"),
            client.getApplications().stream().map(ApplicationReport::getName).sorted().toList());

        // 5. Two whole epochs, every planned minibatch fitted, and an evaluation of the model.
        List<EpochMetrics> epochs =
            MetricsLog.read(storage, run).stream()
                .filter(EpochMetrics.class::isInstance)
                .map(EpochMetrics.class::cast)
                .toList();
        assertEquals(List.of(1, 2), epochs.stream().map(EpochMetrics::epoch).toList());
        for (EpochMetrics epoch : epochs) {
          assertEquals(epoch.plannedMinibatches(), epoch.fittedMinibatches(), epoch.toString());
        }
        URI report = Locations.child(run, "evaluation", EvaluationJob.REPORT);
        EvaluationReport evaluation =
            Json.read(storage.readText(report), EvaluationReport.class, report.toString());
        assertEquals(10L * VAL_PER_CLASS, evaluation.images());
        System.out.println(
            "YarnClusterIT: "
                + Duration.between(start, Instant.now()).toSeconds()
                + " s from the start of the test");
      } finally {
        commandsRun.destroyForcibly();
      }
    }
  }

  /**
   * The fenced {@code bash} block under the first Markdown heading that names YARN, in {@code
   * docs/deployment.md} or, without that file, {@code README.md}.
   */
  static String documentedCommands(Path project) throws IOException {
    Path docs = project.resolve("docs/deployment.md");
    if (!Files.exists(docs)) {
      docs = project.resolve("README.md");
    }
    List<String> lines = Files.readAllLines(docs, StandardCharsets.UTF_8);
    int heading = -1;
    for (int i = 0; i < lines.size() && heading < 0; i++) {
      if (lines.get(i).matches("#+ .*\\bYARN\\b.*")) {
        heading = i;
      }
    }
    assertTrue(heading >= 0, docs + " has no heading that names YARN");
    StringBuilder block = new StringBuilder();
    boolean inside = false;
    for (int i = heading + 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!inside && line.matches("#+ .*")) {
        break;
      }
      if (!inside && line.strip().equals("```bash")) {
        inside = true;
      } else if (inside && line.strip().equals("```")) {
        return block.toString();
      } else if (inside) {
        block.append(line).append('\n');
      }
    }
    throw new AssertionError(
        docs + ": no ```bash block under the heading '" + lines.get(heading) + "'");
  }

  /**
   * ImageNet's layout on HDFS: {@code /imagenet/train/<class>/*.JPEG}, {@code /imagenet/val/*.JPEG}
   * and {@code /imagenet/LOC_val_solution.csv} ({@code <file> <class>} per line).
   */
  private static void imageNetStyleTree(MiniYarn yarn, Path local) throws IOException {
    Configuration conf = new Configuration();
    FashionMnist.tree(conf, local.toUri(), "train", TRAIN_PER_CLASS);
    FashionMnist.tree(conf, local.toUri(), "val", VAL_PER_CLASS);
    Path val = local.resolve("val");
    StringBuilder labels = new StringBuilder();
    try (Stream<Path> classes = Files.list(val)) {
      for (Path folder : classes.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> images = Files.list(folder)) {
          for (Path image : images.sorted().toList()) {
            Files.move(image, val.resolve(image.getFileName()));
            labels
                .append(image.getFileName())
                .append(' ')
                .append(folder.getFileName())
                .append('\n');
          }
        }
        Files.delete(folder);
      }
    }
    Files.writeString(local.resolve("LOC_val_solution.csv"), labels);
    yarn.fileSystem()
        .copyFromLocalFile(
            new org.apache.hadoop.fs.Path(local.toUri()),
            new org.apache.hadoop.fs.Path("/imagenet"));
  }

  /** conf/spark-defaults.conf sizes GPU nodes; these fit this machine (EXTRA_SPARK_CONF wins). */
  private static String smallSizes(Path project) throws IOException {
    String jvm = Files.readString(project.resolve("target/jvm.options")).strip();
    String javacpp =
        " -Dorg.bytedeco.javacpp.cachedir="
            + project.resolve("target/javacpp-cache")
            + " -Dorg.bytedeco.javacpp.maxbytes=1g -Dorg.bytedeco.javacpp.maxphysicalbytes=3g";
    return String.join(
        "\n",
        "spark.driver.memory=1g",
        "spark.driver.memoryOverhead=512m",
        "spark.driver.cores=1",
        "spark.driver.maxResultSize=512m",
        "spark.executor.memory=1g",
        "spark.executor.memoryOverhead=768m",
        "spark.executor.cores=2",
        "spark.executorEnv.OMP_NUM_THREADS=1",
        "spark.ui.enabled=false",
        "spark.scheduler.maxRegisteredResourcesWaitingTime=3min",
        "spark.driver.extraJavaOptions=" + jvm + javacpp,
        "spark.executor.extraJavaOptions=" + jvm + javacpp,
        "");
  }

  private static ApplicationReport awaitApplication(
      YarnClient client, String name, Process commands, Path home) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    while (true) {
      Optional<ApplicationReport> found =
          client.getApplications().stream().filter(a -> a.getName().equals(name)).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      check(commands, home, deadline, "no application '" + name + "' was submitted");
    }
  }

  private static ApplicationAttemptReport awaitAttempt(
      YarnClient client,
      ApplicationReport app,
      int attempt,
      Process commands,
      Path home,
      Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (ApplicationAttemptReport report :
          client.getApplicationAttempts(app.getApplicationId())) {
        if (report.getApplicationAttemptId().getAttemptId() == attempt
            && report.getAMContainerId() != null) {
          return report;
        }
      }
      check(commands, home, deadline, "no attempt " + attempt + " of " + app.getApplicationId());
    }
  }

  private static Path awaitContainerLog(
      MiniYarn yarn, String container, Process commands, Path home, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Path> logs = yarn.containerLogs(container);
      if (logs.isPresent() && Files.exists(logs.get().resolve("stderr"))) {
        return logs.get().resolve("stderr");
      }
      check(commands, home, deadline, "no log folder of the container " + container);
    }
  }

  private static Matcher awaitLine(
      Path log,
      Pattern pattern,
      Predicate<Matcher> wanted,
      Process commands,
      Path home,
      Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher matcher = pattern.matcher(Files.readString(log, StandardCharsets.UTF_8));
      while (matcher.find()) {
        if (wanted.test(matcher)) {
          return matcher;
        }
      }
      check(commands, home, deadline, "no line matching '" + pattern + "' in " + log);
    }
  }

  /** Fails when the commands ended or the time is up; otherwise waits a moment. */
  private static void check(Process commands, Path home, long deadline, String what)
      throws Exception {
    if (!commands.isAlive()) {
      throw new AssertionError(
          what
              + ": the commands ended (exit code "
              + commands.exitValue()
              + ")\n"
              + tail(home.resolve("commands.log")));
    }
    if (System.nanoTime() > deadline) {
      throw new AssertionError(what + " in time\n" + tail(home.resolve("commands.log")));
    }
    Thread.sleep(250);
  }

  /** SIGKILL to the processes of a container (its launch shell and the JVM). */
  private static List<ProcessHandle> kill(String container) {
    List<ProcessHandle> killed = new ArrayList<>();
    ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(c -> c.contains(container) && c.contains("ApplicationMaster"))
                    .orElse(false))
        .forEach(
            p -> {
              p.destroyForcibly();
              killed.add(p);
            });
    return killed;
  }

  private static void log(Instant start, String what) {
    System.out.printf("%4d s: %s%n", Duration.between(start, Instant.now()).toSeconds(), what);
  }

  private static String grep(String text, String part) {
    return text.lines().filter(line -> line.contains(part)).findFirst().orElse("(none)");
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(no output)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 120), lines.size()));
  }
}
