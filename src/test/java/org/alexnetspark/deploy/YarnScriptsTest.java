package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The YARN scripts of jobs/yarn/, run with DRY_RUN=1 (they print the spark-submit command instead
 * of running it) and once through a fake SPARK_SUBMIT: every stage submits an existing (or planned)
 * subcommand with options it takes, in cluster mode, with conf/spark-defaults.conf and the log4j2
 * configuration layered over the cluster's own spark-defaults.conf; GPU stages schedule GPUs,
 * Kerberos settings reach spark-submit; paths come from the environment only, as every script's
 * --help says; train is submitted with exactly the options the user gave (the application decides
 * whether to resume).
 */
class YarnScriptsTest {
  /** Stage scripts and the subcommand each runs. */
  private static final Map<String, String> STAGES = stages();

  private static final List<String> GPU_STAGES = List.of("train", "evaluate", "predict", "retrain");
  private static final List<String> CPU_STAGES = List.of("prepare-train", "prepare-val", "stats");

  @TempDir Path dir;
  private Path jar;
  private Path hdfsCalls;
  private Path hdfs;

  @BeforeEach
  void fakes() throws IOException {
    jar = Files.createFile(dir.resolve(Project.clusterJarName("cuda")));
    hdfsCalls = dir.resolve("hdfs-calls");
    hdfs = fakeHdfs();
  }

  @Test
  void everyStageSubmitsAnExistingSubcommandWithTheSharedPropertiesInClusterMode()
      throws Exception {
    for (Map.Entry<String, String> stage : STAGES.entrySet()) {
      Submission submission = dryRun(stage.getKey(), Map.of());
      String where = "jobs/yarn/" + stage.getKey();
      assertEquals("spark-submit", submission.words().get(0), where);
      assertEquals("yarn", submission.option("--master"), where);
      assertEquals("cluster", submission.option("--deploy-mode"), where);
      assertEquals("default", submission.option("--queue"), where);
      assertEquals(
          Project.SPARK_DEFAULTS.toString(), submission.option("--properties-file"), where);
      assertTrue(
          submission.files().contains(Project.LOG4J.toString()),
          where + " ships conf/log4j2.properties");
      assertDoesNotThrow(() -> Class.forName(submission.option("--class")), where);
      assertEquals(jar.toString(), submission.jar(), where);
      assertEquals(stage.getValue(), submission.alexnet().get(0), where);
      CommandSurface.check(where, submission.alexnet());
      assertFalse(
          submission.line().contains("spark.yarn.executor.resource"),
          where
              + ": Spark refuses the yarn.io/gpu form; spark.executor.resource.gpu.amount maps to it");
    }
  }

  @Test
  void gpuStagesScheduleOneTaskPerGpuWithTheDiscoveryScriptShipped() throws Exception {
    int executorCores =
        Integer.parseInt(Project.sparkDefaults().getProperty("spark.executor.cores"));
    for (String stage : GPU_STAGES) {
      Submission submission = dryRun(stage, Map.of());
      String where = "jobs/yarn/" + stage;
      Map<String, String> conf = submission.conf();
      assertEquals("2", conf.get("spark.executor.resource.gpu.amount"), where);
      assertEquals("1", conf.get("spark.task.resource.gpu.amount"), where);
      assertEquals(
          executorCores,
          2 * Integer.parseInt(conf.get("spark.task.cpus")),
          where + ": two task slots per executor, one per GPU");
      assertEquals(
          "./gpu-discovery.sh", conf.get("spark.executor.resource.gpu.discoveryScript"), where);
      assertEquals(
          null, conf.get("spark.driver.resource.gpu.amount"), where + ": the driver needs no GPU");
      assertTrue(
          submission.files().contains(Project.GPU_DISCOVERY.toString()),
          where + " ships the discovery script");
      assertEquals("4", submission.option("--num-executors"), where);
    }
    Submission gpuDriver = dryRun("train", Map.of("DRIVER_GPUS", "1"));
    assertEquals("1", gpuDriver.conf().get("spark.driver.resource.gpu.amount"), gpuDriver.line());
    assertEquals(
        "./gpu-discovery.sh", gpuDriver.conf().get("spark.driver.resource.gpu.discoveryScript"));
    Submission cpuOnly = dryRun("train", Map.of("GPUS_PER_EXECUTOR", "0"));
    assertTrue(
        cpuOnly.conf().keySet().stream().noneMatch(k -> k.contains(".resource.gpu.")),
        cpuOnly.line());
  }

  @Test
  void cpuStagesScheduleNoGpu() throws Exception {
    for (String stage : CPU_STAGES) {
      Submission submission = dryRun(stage, Map.of());
      assertTrue(
          submission.conf().keySet().stream()
              .noneMatch(k -> k.contains(".resource.gpu.") || k.equals("spark.task.cpus")),
          stage + ": " + submission.line());
      assertFalse(submission.files().contains(Project.GPU_DISCOVERY.toString()), stage);
      assertEquals("16", submission.option("--num-executors"), stage);
    }
  }

  @Test
  void kerberosPrincipalAndKeytabArePassedWhenBothAreSet() throws Exception {
    Path keytab = Files.createFile(dir.resolve("alexnet.keytab"));
    for (String stage : STAGES.keySet()) {
      Submission kerberos =
          dryRun(stage, Map.of("PRINCIPAL", "alexnet@EXAMPLE.COM", "KEYTAB", keytab.toString()));
      assertEquals("alexnet@EXAMPLE.COM", kerberos.option("--principal"), stage);
      assertEquals(keytab.toString(), kerberos.option("--keytab"), stage);
      Submission plain = dryRun(stage, Map.of());
      assertNull(plain.option("--principal"), stage);
      assertNull(plain.option("--keytab"), stage);
    }
    Submission half = run("train", env(Map.of("PRINCIPAL", "alexnet@EXAMPLE.COM")), List.of());
    assertEquals(2, half.exit());
    assertTrue(half.stderr().contains("set both PRINCIPAL and KEYTAB"), half.stderr());
    Submission missing =
        run(
            "train",
            env(Map.of("PRINCIPAL", "a@B", "KEYTAB", dir.resolve("none").toString())),
            List.of());
    assertEquals(2, missing.exit());
    assertTrue(missing.stderr().contains("no keytab"), missing.stderr());
  }

  @Test
  void trainIsSubmittedWithTheUsersOptionsOnlyAndNeverLooksAtTheRunFolderItself() throws Exception {
    // The application decides, on its driver, whether to start, refuse or resume (TrainCommand):
    // the script passes --resume only when the user does, and lists nothing with 'hdfs dfs'.
    Submission train = dryRun("train", Map.of("RUN", "hdfs:///runs/old"));
    assertEquals(
        List.of(
            "train",
            "--data",
            "hdfs:///alexnet/train",
            "--val",
            "hdfs:///alexnet/val",
            "--output",
            "hdfs:///runs/old"),
        train.alexnet());
    assertNull(train.conf().get("spark.yarn.maxAppAttempts"), "attempts from the properties file");
    assertTrue(
        Integer.parseInt(Project.sparkDefaults().getProperty("spark.yarn.maxAppAttempts")) >= 2);

    Submission explicit = run("train", env(Map.of()), List.of("--resume"));
    assertEquals(0, explicit.exit(), explicit.stderr());
    assertEquals(1, Collections.frequency(explicit.alexnet(), "--resume"), explicit.line());

    // A warm start is retried like any other run: a later attempt continues from its checkpoints.
    Submission warm =
        run("train", env(Map.of()), List.of("--init-from", "hdfs:///models/previous"));
    assertEquals(0, warm.exit(), warm.stderr());
    assertFalse(warm.alexnet().contains("--resume"), warm.line());
    assertNull(warm.conf().get("spark.yarn.maxAppAttempts"), warm.line());
    CommandSurface.check("jobs/yarn/train --init-from", warm.alexnet());

    // The same through the generic launcher: the arguments unchanged.
    Submission generic =
        run(
            "alexnet",
            env(Map.of()),
            List.of("train", "--data", "hdfs:///d/train", "--output", "hdfs:///runs/a"));
    assertEquals(
        List.of("train", "--data", "hdfs:///d/train", "--output", "hdfs:///runs/a"),
        generic.alexnet());
    assertFalse(Files.exists(hdfsCalls), "hdfs was run: " + hdfsCalls);
  }

  @Test
  void pathsComeFromTheEnvironmentAndAPathGivenAsAnArgumentIsRefusedNamingTheVariables()
      throws Exception {
    Map<String, List<String>> variables =
        Map.of(
            "prepare-train", List.of("IMAGENET", "DATASETS"),
            "prepare-val", List.of("IMAGENET", "DATASETS"),
            "stats", List.of("DATASETS"),
            "train", List.of("DATASETS", "RUN"),
            "evaluate", List.of("DATASETS", "RUN"),
            "predict", List.of("PREDICT_DATA", "PREDICT_OUTPUT"),
            "retrain", List.of("DATASETS", "REGISTRY"));
    assertEquals(STAGES.keySet(), variables.keySet());
    for (Map.Entry<String, List<String>> stage : variables.entrySet()) {
      // The README's old form: jobs/yarn/train hdfs:///alexnet/train hdfs:///alexnet/val ...
      Submission positional =
          run(stage.getKey(), env(Map.of()), List.of("hdfs:///alexnet/train", "hdfs:///x"));
      assertEquals(2, positional.exit(), stage.getKey() + ": " + positional.stdout());
      assertEquals("", positional.stdout(), "nothing submitted");
      assertTrue(
          positional.stderr().contains("'hdfs:///alexnet/train' is not an option"),
          positional.stderr());
      for (String variable : stage.getValue()) {
        assertTrue(
            positional.stderr().contains(variable + "=hdfs:///"),
            stage.getKey() + " names " + variable + ": " + positional.stderr());
      }
    }
    // Options of the subcommand are passed on.
    Submission options = run("stats", env(Map.of()), List.of("--set", "data.image-size=72"));
    assertEquals(0, options.exit(), options.stderr());
    assertEquals(
        List.of("stats", "--data", "hdfs:///alexnet/train", "--set", "data.image-size=72"),
        options.alexnet());
  }

  @Test
  void everyScriptsHelpIsItsHeaderAndNamesEveryVariableItReads() throws Exception {
    Pattern read = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):[-?]");
    for (String script : STAGES.keySet()) {
      String text = Files.readString(Project.YARN.resolve(script));
      String header =
          text.lines()
              .skip(1)
              .takeWhile(line -> line.startsWith("#"))
              .map(line -> line.replaceFirst("^# ?", ""))
              .reduce("", (all, line) -> all + line + "\n");
      for (String flag : List.of("--help", "-h")) {
        Map<String, String> env = env(Map.of());
        env.remove("APP_JAR"); // help needs no jar
        Submission help = run(script, env, List.of(flag));
        assertEquals(0, help.exit(), script + " " + flag + ": " + help.stderr());
        assertEquals(header, help.stdout(), script + " " + flag);
      }
      assertTrue(header.contains("jobs/yarn/" + script), script + ": its usage line");
      Matcher variables = read.matcher(text.replaceAll("(?m)^\\s*#.*$", ""));
      int count = 0;
      while (variables.find()) {
        count++;
        assertTrue(
            header.contains(variables.group(1)),
            script + " reads " + variables.group(1) + " and its --help does not say so");
      }
      assertTrue(count >= 1, script + " reads its paths from the environment");
    }
    Submission generic = run("alexnet", env(Map.of()), List.of("--help"));
    assertEquals(0, generic.exit(), generic.stderr());
    assertTrue(generic.stdout().contains("jobs/yarn/alexnet stats"), generic.stdout());
  }

  @Test
  void theApplicationJarMayBeAUriWhichIsNotLookedForLocally() throws Exception {
    Submission remote =
        run(
            "stats",
            env(Map.of("APP_JAR", "hdfs:///apps/alexnet-spark-cluster-cuda.jar")),
            List.of(),
            "hdfs:///apps/alexnet-spark-cluster-cuda.jar");
    assertEquals(0, remote.exit(), remote.stderr());
    assertEquals("hdfs:///apps/alexnet-spark-cluster-cuda.jar", remote.jar());
    assertEquals(List.of("stats", "--data", "hdfs:///alexnet/train"), remote.alexnet());

    Submission missing =
        run("stats", env(Map.of("APP_JAR", dir.resolve("none.jar").toString())), List.of());
    assertEquals(2, missing.exit());
    assertTrue(missing.stderr().contains("no application jar at"), missing.stderr());
    Submission missingFile =
        run("stats", env(Map.of("APP_JAR", dir.resolve("none.jar").toUri().toString())), List.of());
    assertEquals(2, missingFile.exit(), "a file: URI is a local file: " + missingFile.stdout());
  }

  @Test
  void withoutAppJarAStageGivenGpusTakesTheCudaJarOfTargetAndIsRefusedWithoutOne()
      throws Exception {
    // A copy of the project's scripts and conf/ beside a target/ of its own, holding empty files
    // named as pom.xml names the cluster jars.
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve("jobs/yarn"));
    Files.createDirectories(home.resolve("target"));
    try (Stream<Path> scripts = Files.list(Project.YARN)) {
      for (Path script : scripts.toList()) {
        Files.copy(script, home.resolve("jobs/yarn").resolve(script.getFileName()));
      }
    }
    Files.createDirectories(home.resolve("conf"));
    for (Path file : List.of(Project.SPARK_DEFAULTS, Project.LOG4J, Project.GPU_DISCOVERY)) {
      Files.copy(file, home.resolve("conf").resolve(file.getFileName()));
    }
    Path yarn = home.resolve("jobs/yarn");
    Path cpu = Files.createFile(home.resolve("target").resolve(Project.clusterJarName("cpu")));
    Path cuda = home.resolve("target").resolve(Project.clusterJarName("cuda"));
    Map<String, String> env = env(Map.of());
    env.remove("APP_JAR");

    // Only the CPU build: the CPU stages take it, a GPU stage is refused unless it gets no GPUs.
    Submission stats = run(yarn, "stats", env, List.of(), cpu.toString());
    assertEquals(0, stats.exit(), stats.stderr());
    assertEquals(cpu.toString(), stats.jar());
    Submission refused = run(yarn, "train", env, List.of(), cpu.toString());
    assertEquals(2, refused.exit(), refused.stdout());
    assertEquals("", refused.stdout(), "nothing submitted");
    assertTrue(
        refused.stderr().contains("train gets 2 GPUs per executor")
            && refused.stderr().contains("no CUDA build of the application jar")
            && refused.stderr().contains(cpu.getFileName() + " is the CPU build")
            && refused.stderr().contains("-Dcuda")
            && refused.stderr().contains("GPUS_PER_EXECUTOR=0"),
        refused.stderr());
    Map<String, String> cpuExecutors = new HashMap<>(env);
    cpuExecutors.put("GPUS_PER_EXECUTOR", "0");
    Submission cpuTrain = run(yarn, "train", cpuExecutors, List.of(), cpu.toString());
    assertEquals(0, cpuTrain.exit(), cpuTrain.stderr());
    assertEquals(cpu.toString(), cpuTrain.jar());

    // Both builds: GPU stages take the CUDA one, the others the CPU one.
    Files.createFile(cuda);
    Submission train = run(yarn, "train", env, List.of(), cuda.toString());
    assertEquals(0, train.exit(), train.stderr());
    assertEquals(cuda.toString(), train.jar());
    assertEquals("", train.stderr());
    assertEquals(cpu.toString(), run(yarn, "stats", env, List.of(), cpu.toString()).jar());

    // Only the CUDA build: it holds the CPU backend too, so every stage takes it.
    Files.delete(cpu);
    Submission cudaStats = run(yarn, "stats", env, List.of(), cuda.toString());
    assertEquals(0, cudaStats.exit(), cudaStats.stderr());
    assertEquals(cuda.toString(), cudaStats.jar());

    // None: refused, saying how to build one.
    Files.delete(cuda);
    Submission none = run(yarn, "stats", env, List.of(), cuda.toString());
    assertEquals(2, none.exit());
    assertTrue(
        none.stderr().contains("no application jar in " + home.resolve("target"))
            && none.stderr().contains("mvn -B -Pcluster -Dcuda package -DskipTests"),
        none.stderr());
  }

  @Test
  void anAppJarNamedAsTheCpuBuildIsReportedForAStageGivenGpus() throws Exception {
    Path cpu = Files.createFile(dir.resolve(Project.clusterJarName("cpu")));
    Submission warned =
        run("train", env(Map.of("APP_JAR", cpu.toString())), List.of(), cpu.toString());
    // Submitted all the same: gpu.allow-cpu-fallback = true, which the script does not read, may
    // let such workers train; without it their pre-flight stops the job.
    assertEquals(0, warned.exit(), warned.stderr());
    assertEquals(List.of("train", "--data"), warned.alexnet().subList(0, 2), warned.line());
    assertTrue(
        warned.stderr().contains("warning: " + cpu + " is the CPU build of the application jar")
            && warned.stderr().contains("train gets 2 GPUs per executor")
            && warned.stderr().contains("gpu.allow-cpu-fallback = true"),
        warned.stderr());
    Submission cpuExecutors =
        run("train", env(Map.of("APP_JAR", cpu.toString(), "GPUS_PER_EXECUTOR", "0")), List.of());
    assertEquals(0, cpuExecutors.exit());
    assertEquals("", cpuExecutors.stderr(), "no GPUs, nothing to report");
    Submission stats = run("stats", env(Map.of("APP_JAR", cpu.toString())), List.of());
    assertEquals("", stats.stderr(), "a CPU stage");
    Submission cuda = run("train", env(Map.of()), List.of());
    assertTrue(jar.getFileName().toString().endsWith("-cluster-cuda.jar"), jar.toString());
    assertEquals(0, cuda.exit());
    assertEquals("", cuda.stderr(), "the CUDA build");
  }

  @Test
  void masterAndDeployModeCanBeOverriddenForALocalRun() throws Exception {
    Path site = Files.writeString(dir.resolve("site.conf"), "train { epochs = 1 }\n");
    Submission local =
        dryRun(
            "stats",
            Map.of("MASTER", "local[2]", "DEPLOY_MODE", "client", "ALEXNET_CONF", site.toString()));
    assertEquals("local[2]", local.option("--master"));
    assertEquals("client", local.option("--deploy-mode"));
    assertEquals(
        List.of(site.toString()),
        CommandSurface.values(local.alexnet(), "--conf"),
        "the local path in client mode");

    Submission cluster = dryRun("stats", Map.of("ALEXNET_CONF", site.toString()));
    assertTrue(cluster.files().contains(site.toString()), "the site configuration is shipped");
    assertEquals(
        List.of("./site.conf"),
        CommandSurface.values(cluster.alexnet(), "--conf"),
        "its name in the container");
  }

  @Test
  void extraSparkPropertiesArePassedAfterTheOthersSoThatTheyWin() throws Exception {
    Submission local =
        dryRun(
            "stats",
            Map.of(
                "MASTER",
                "local[2]",
                "DEPLOY_MODE",
                "client",
                "EXTRA_SPARK_CONF",
                "spark.eventLog.enabled=false\n\nspark.driver.memory=2g\n"));
    assertEquals("false", local.conf().get("spark.eventLog.enabled"));
    assertEquals("2g", local.conf().get("spark.driver.memory"));
    Submission bad = run("stats", env(Map.of("EXTRA_SPARK_CONF", "eventLog off")), List.of());
    assertEquals(2, bad.exit());
    assertTrue(bad.stderr().contains("is not spark.KEY=VALUE"), bad.stderr());
  }

  @Test
  void theSecretOfSparkAuthenticateIsLeftToYarnAndNeverPutOnTheCommandLine() throws Exception {
    for (String stage : STAGES.keySet()) {
      Submission submission = dryRun(stage, Map.of());
      // spark.authenticate comes with --properties-file (SparkDefaultsTest); YARN makes the secret.
      assertFalse(submission.line().contains("spark.authenticate"), stage);
    }
    String secret = "c2VjcmV0LXNlY3JldA";
    Submission refused =
        run(
            "stats",
            env(Map.of("EXTRA_SPARK_CONF", "spark.authenticate.secret=" + secret)),
            List.of());
    assertEquals(2, refused.exit());
    assertTrue(
        refused.stderr().contains("spark.authenticate.secret is not passed"), refused.stderr());
    assertFalse(refused.stderr().contains(secret) || refused.stdout().contains(secret));
    Submission malformed =
        run(
            "stats",
            env(Map.of("EXTRA_SPARK_CONF", "spark.hadoop.fs.s3a.secret.key " + secret)),
            List.of());
    assertEquals(2, malformed.exit());
    assertTrue(
        malformed.stderr().contains("'spark.hadoop.fs.s3a.secret.key...' is not spark.KEY=VALUE"),
        malformed.stderr());
    assertFalse(malformed.stderr().contains(secret) || malformed.stdout().contains(secret));
  }

  @Test
  void theSparkSubmitHookRunsTheCommandThatDryRunPrints() throws Exception {
    Path arguments = dir.resolve("arguments");
    Path hook =
        Files.writeString(
            dir.resolve("spark-submit"),
            "#!/bin/sh\nprintf '%s\\0' \"$0\" \"$@\" > '" + arguments + "'\n");
    assertTrue(hook.toFile().setExecutable(true));
    Map<String, String> env = env(Map.of("SPARK_SUBMIT", hook.toString()));
    env.remove("DRY_RUN");
    Submission real = run("retrain", env, List.of("--significance", "0.01"));
    assertEquals(0, real.exit(), real.stderr());
    List<String> received = Arrays.asList(Files.readString(arguments).split("\0"));

    Submission printed =
        run(
            "retrain",
            env(Map.of("SPARK_SUBMIT", hook.toString())),
            List.of("--significance", "0.01"));
    assertEquals(printed.words(), received);
    CommandSurface.check("jobs/yarn/retrain", printed.alexnet());
  }

  @Test
  void theClustersOwnDefaultsAreKeptAndOursWinWhereBothSetAKey() throws Exception {
    Path siteConf = Files.createDirectories(dir.resolve("spark-conf"));
    Files.writeString(
        siteConf.resolve("spark-defaults.conf"),
        "# the cluster's\n"
            + "spark.yarn.archive hdfs:///apps/spark/spark-libs.zip\n"
            + "spark.serializer org.apache.spark.serializer.JavaSerializer\n"
            + "spark.driver.extraLibraryPath /opt/hadoop/lib/native\n"
            + "spark.yarn.historyServer.address=history.example.com:18081");
    Map<String, String> env = env(Map.of("SPARK_CONF_DIR", siteConf.toString()));
    Submission submission = run("stats", env, List.of());
    assertEquals(0, submission.exit(), submission.stderr());
    Path layered = Path.of(submission.option("--properties-file"));
    assertNotEquals(Project.SPARK_DEFAULTS, layered);
    Properties properties = properties(layered);
    assertEquals("hdfs:///apps/spark/spark-libs.zip", properties.getProperty("spark.yarn.archive"));
    assertEquals("/opt/hadoop/lib/native", properties.getProperty("spark.driver.extraLibraryPath"));
    assertEquals(
        "history.example.com:18081", properties.getProperty("spark.yarn.historyServer.address"));
    Properties ours = Project.sparkDefaults();
    for (String key : ours.stringPropertyNames()) {
      assertEquals(ours.getProperty(key), properties.getProperty(key), key + ": ours wins");
    }
    assertEquals(ours.size() + 3, properties.size(), properties.keySet().toString());
    Files.delete(layered); // DRY_RUN leaves it for the printed command

    // Run for real: spark-submit reads the layered file, which is removed once it has ended.
    Path seen = dir.resolve("seen.properties");
    Path hook =
        Files.writeString(
            dir.resolve("spark-submit"),
            "#!/bin/sh\n"
                + "while [ \"$1\" != --properties-file ]; do shift; done\n"
                + "cp \"$2\" '"
                + seen
                + "'\necho \"$2\"\n");
    assertTrue(hook.toFile().setExecutable(true));
    env.remove("DRY_RUN");
    env.put("SPARK_SUBMIT", hook.toString());
    Submission real = run("stats", env, List.of());
    assertEquals(0, real.exit(), real.stderr());
    assertEquals(properties, properties(seen));
    assertFalse(Files.exists(Path.of(real.stdout().strip())), "removed: " + real.stdout());

    // Without a spark-defaults.conf of the cluster, ours as it is.
    Submission plain = dryRun("stats", Map.of("SPARK_CONF_DIR", dir.resolve("none").toString()));
    assertEquals(Project.SPARK_DEFAULTS.toString(), plain.option("--properties-file"));
  }

  private static Properties properties(Path file) throws IOException {
    Properties properties = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(in);
    }
    return properties;
  }

  @Test
  void predictNeedsItsDataAndOutput() throws Exception {
    Map<String, String> env = env(Map.of());
    env.remove("PREDICT_DATA");
    Submission missing = run("predict", env, List.of());
    assertNotEquals(0, missing.exit());
    assertTrue(missing.stderr().contains("PREDICT_DATA"), missing.stderr());
  }

  @Test
  void scriptsKeepToBash42() throws IOException {
    String library = Files.readString(Project.YARN.resolve("submit.sh"));
    assertTrue(library.contains("BASH_VERSINFO[1] < 2"), "submit.sh refuses bash older than 4.2");
    // Features of bash 4.3 and later, and "$@" (unbound under set -u in some 4.x releases when
    // there are no arguments; ${1+"$@"} is safe everywhere).
    Pattern newer =
        Pattern.compile(
            "mapfile -d|readarray -d|\\$\\{[A-Za-z_][A-Za-z0-9_]*@[QEPAaKkUuL]}"
                + "|declare -n|local -n|typeset -n|wait -n|inherit_errexit|\\$\\{[A-Za-z_][A-Za-z0-9_]*\\[-1]}"
                + "|EPOCHSECONDS|EPOCHREALTIME|BASH_ARGV0|(?<!\\{1\\+)\"\\$@\"");
    // Arrays expanded with [@] must never be empty: only these, which always hold a word.
    Pattern expansion = Pattern.compile("\"\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\[@]}\"");
    List<String> nonEmpty = List.of("cmd", "app");
    try (Stream<Path> scripts = Files.list(Project.YARN)) {
      for (Path script : scripts.sorted().toList()) {
        // The code, without comment lines.
        String text = Files.readString(script).replaceAll("(?m)^\\s*#.*$", "");
        Matcher matcher = newer.matcher(text);
        if (matcher.find()) {
          throw new AssertionError(
              script + " uses " + matcher.group() + ", which bash 4.2 lacks or mishandles");
        }
        Matcher arrays = expansion.matcher(text);
        while (arrays.find()) {
          assertTrue(
              nonEmpty.contains(arrays.group(1)),
              script
                  + " expands the array "
                  + arrays.group(1)
                  + ", which may be empty (an error under set -u before bash 4.4)");
        }
        if (!script.getFileName().toString().equals("submit.sh")) {
          assertTrue(Files.isExecutable(script), script + " is executable");
          assertTrue(
              text.contains("set -euo pipefail") && text.contains("/submit.sh\""),
              script + " uses submit.sh");
        }
      }
    }
  }

  /** A submission: the command's words, split by bash itself, and what the script printed. */
  private record Submission(
      int exit, String stdout, String stderr, List<String> words, String jarWord) {
    String line() {
      return stdout.strip();
    }

    private int jarIndex() {
      int index = words.indexOf(jarWord);
      assertTrue(index > 0, "the command runs the jar: " + line());
      return index;
    }

    String jar() {
      return words.get(jarIndex());
    }

    /** The arguments of the alexnet command, after the jar. */
    List<String> alexnet() {
      return words.subList(jarIndex() + 1, words.size());
    }

    /** spark-submit's options other than --conf, by name (the last one wins). */
    String option(String name) {
      Map<String, String> options = new HashMap<>();
      for (int i = 1; i + 1 < jarIndex(); i += 2) {
        options.put(words.get(i), words.get(i + 1));
      }
      return options.get(name);
    }

    Map<String, String> conf() {
      Map<String, String> conf = new LinkedHashMap<>();
      for (int i = 1; i + 1 < jarIndex(); i += 2) {
        if (words.get(i).equals("--conf")) {
          String setting = words.get(i + 1);
          conf.put(
              setting.substring(0, setting.indexOf('=')),
              setting.substring(setting.indexOf('=') + 1));
        }
      }
      return conf;
    }

    List<String> files() {
      String files = option("--files");
      return files == null ? List.of() : Arrays.asList(files.split(","));
    }
  }

  private Submission dryRun(String script, Map<String, String> extra) throws Exception {
    Submission submission = run(script, env(extra), List.of());
    assertEquals(0, submission.exit(), script + ": " + submission.stderr());
    return submission;
  }

  private Map<String, String> env(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(System.getenv());
    for (String name :
        List.of(
            "SPARK_HOME",
            "SPARK_CONF_DIR",
            "SPARK_SUBMIT",
            "PRINCIPAL",
            "KEYTAB",
            "MASTER",
            "DEPLOY_MODE",
            "QUEUE",
            "EXECUTORS",
            "GPUS_PER_EXECUTOR",
            "TASK_CPUS",
            "DRIVER_GPUS",
            "ALEXNET_CONF",
            "PROPERTIES_FILE",
            "LOG4J_CONF",
            "RUN",
            "DATASETS",
            "IMAGENET",
            "MODEL",
            "PREDICT_DATA",
            "PREDICT_OUTPUT",
            "REGISTRY",
            "MODEL_NAME",
            "RETRAIN_ROOT",
            "EVAL_OUTPUT",
            "EXTRA_SPARK_CONF",
            "VAL_LABELS")) {
      env.remove(name);
    }
    env.put("DRY_RUN", "1");
    env.put("APP_JAR", jar.toString());
    // Were an 'hdfs' command run, it would leave a trace.
    env.put("HDFS_CLI", hdfs.toString());
    env.put("PATH", dir + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("PREDICT_DATA", "hdfs:///alexnet/val");
    env.put("PREDICT_OUTPUT", "hdfs:///alexnet/predictions");
    env.putAll(extra);
    return env;
  }

  private Submission run(String script, Map<String, String> env, List<String> arguments)
      throws Exception {
    return run(script, env, arguments, jar.toString());
  }

  private Submission run(
      String script, Map<String, String> env, List<String> arguments, String jarWord)
      throws Exception {
    return run(Project.YARN, script, env, arguments, jarWord);
  }

  /** Runs a script of the folder {@code yarn} (jobs/yarn of the project, or a copy). */
  private Submission run(
      Path yarn, String script, Map<String, String> env, List<String> arguments, String jarWord)
      throws Exception {
    List<String> command = new ArrayList<>(List.of(yarn.resolve(script).toString()));
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), script + " finished");
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    List<String> words =
        process.exitValue() == 0 && !stdout.isBlank() ? words(stdout.strip()) : List.of();
    return new Submission(
        process.exitValue(), stdout, Files.readString(err, StandardCharsets.UTF_8), words, jarWord);
  }

  /** The words of a command line as bash reads them. */
  private List<String> words(String line) throws Exception {
    Path out = dir.resolve("words");
    Process process =
        new ProcessBuilder("bash", "-c", "eval \"set -- $1\"; printf '%s\\0' \"$@\"", "words", line)
            .redirectOutput(out.toFile())
            .redirectErrorStream(false)
            .start();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), "bash reads the printed command: " + line);
    String text = Files.readString(out, StandardCharsets.UTF_8);
    return Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
  }

  /** An 'hdfs' command (on PATH and as HDFS_CLI) that records that it was run. */
  private Path fakeHdfs() throws IOException {
    Path hdfs =
        Files.writeString(
            dir.resolve("hdfs"), "#!/bin/sh\necho \"$@\" >> '" + hdfsCalls + "'\nexit 1\n");
    assertTrue(hdfs.toFile().setExecutable(true));
    return hdfs;
  }

  private static Map<String, String> stages() {
    Map<String, String> stages = new LinkedHashMap<>();
    stages.put("prepare-train", "prepare");
    stages.put("prepare-val", "prepare");
    stages.put("stats", "stats");
    stages.put("train", "train");
    stages.put("evaluate", "evaluate");
    stages.put("predict", "predict");
    stages.put("retrain", "retrain");
    return stages;
  }
}
