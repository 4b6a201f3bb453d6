package org.alexnetspark.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A real Spark standalone cluster and HDFS on this machine's loopback interface: a master and
 * {@code workers} workers, each in a JVM of its own and advertising {@code gpusPerWorker} GPU
 * addresses through a discovery script, executors in JVMs of their own (started by the workers),
 * and an HDFS inside this process with three DataNodes (files replicated twice, 1 MB blocks).
 *
 * <p>Nothing needs installing: the daemons and executors run from a {@code SPARK_HOME} whose {@code
 * jars/} holds links to the jars of this JVM's classpath (so {@code jobs/local/alexnet}'s {@code
 * target/lib} and application jar are on every executor), or to a folder of jars given in {@link
 * Options#sparkJars} (Spark's own jars only, for jobs that bring an application jar, as on a real
 * cluster). A driver in this process connects with {@link #driverSettings()}; a driver started by
 * {@code spark-submit} uses {@link #masterUrl()} and the {@code HADOOP_CONF_DIR} and {@code
 * SPARK_HOME} of {@link #environment()}.
 *
 * <pre>
 * try (LoopbackCluster cluster = LoopbackCluster.start(2, 2, "2g", 2, Path.of("target/cluster"))) {
 *   SparkConf conf = new SparkConf().setAll(...cluster.driverSettings()...);
 *   ... cluster.hdfs("/data") ...
 * }
 * </pre>
 *
 * <p>Like the clusters {@code conf/spark-defaults.conf} is for, it is secured unless {@link
 * Options#withSecurity} says otherwise: every daemon, driver and executor authenticates with a
 * secret made for this cluster ({@code spark.authenticate}; standalone Spark has no per-application
 * secret), RPC and block transfers are AES-encrypted ({@code spark.network.crypto.enabled}) and so
 * are shuffle and spill files ({@code spark.io.encryption.enabled}). The daemons take the secret
 * from their environment; a driver in this process from {@link #driverSettings()}, one started by
 * {@code spark-submit} from {@code SPARK_SUBMIT_OPTS} in {@link #environment()}.
 *
 * <p>Everything each process prints is kept under the work folder ({@code master.log}, {@code
 * worker-N.log}; executors': {@code worker-N/work/<app>/<executor>/stderr}). Processes are stopped
 * by {@link #close()}, by a shutdown hook, and, if this JVM was killed before either ran, by the
 * next start in the same work folder. Faults (killing an executor, stopping a DataNode, HDFS space
 * quotas) are injected by the tests, through the package-private {@link #dfs()} and {@link
 * #executors()}.
 */
public final class LoopbackCluster implements AutoCloseable {
  /** Time for a daemon to start and register on a busy machine. */
  private static final Duration DAEMON_START = Duration.ofMinutes(3);

  private static final String PIDS = "loopback.pids";

  /**
   * What to start.
   *
   * @param workers worker JVMs
   * @param coresPerWorker cores each worker offers
   * @param workerMemory memory each worker offers its executors (e.g. "2g")
   * @param gpusPerWorker GPU addresses ("0", "1", ...) each worker advertises
   * @param dataNodes HDFS DataNodes
   * @param workDir where processes keep their files and logs; emptied at start
   * @param sparkJars a folder of jars to run Spark from, or null for this JVM's classpath
   * @param gpuDiscoveryScript the workers' GPU discovery script, or null for one that prints {@code
   *     gpusPerWorker} addresses; it runs with {@code CUDA_VISIBLE_DEVICES=0,..,n-1}
   * @param log4jConfig a log4j2 configuration for SPARK_CONF_DIR, which {@code spark-submit} reads
   *     (the daemons log with Spark's defaults, which their start is recognised by), or null
   * @param secured authentication with a secret of this cluster, encrypted RPC, block transfers,
   *     shuffle and spill files
   */
  public record Options(
      int workers,
      int coresPerWorker,
      String workerMemory,
      int gpusPerWorker,
      int dataNodes,
      Path workDir,
      Path sparkJars,
      Path gpuDiscoveryScript,
      Path log4jConfig,
      boolean secured) {
    public Options {
      if (workers < 1 || coresPerWorker < 1 || gpusPerWorker < 0 || dataNodes < 1) {
        throw new IllegalArgumentException(
            "a loopback cluster needs at least one worker, core and "
                + "DataNode, and no negative GPU count: "
                + workers
                + " workers, "
                + coresPerWorker
                + " cores, "
                + gpusPerWorker
                + " GPUs, "
                + dataNodes
                + " DataNodes");
      }
      workDir = workDir.toAbsolutePath();
    }

    public static Options of(
        int workers, int coresPerWorker, String workerMemory, int gpusPerWorker, Path workDir) {
      return new Options(
          workers, coresPerWorker, workerMemory, gpusPerWorker, 3, workDir, null, null, null, true);
    }

    public Options withSparkJars(Path folder) {
      Copy copy = new Copy(this);
      copy.sparkJars = folder;
      return copy.build();
    }

    public Options withGpuDiscoveryScript(Path script) {
      Copy copy = new Copy(this);
      copy.gpuDiscoveryScript = script;
      return copy.build();
    }

    /** With or without authentication and encryption. */
    public Options withSecurity(boolean secured) {
      Copy copy = new Copy(this);
      copy.secured = secured;
      return copy.build();
    }

    public Options withLog4jConfig(Path file) {
      Copy copy = new Copy(this);
      copy.log4jConfig = file;
      return copy.build();
    }

    /** A changeable copy, so that each {@code with} names only what it changes. */
    private static final class Copy {
      private final Options from;
      private Path sparkJars;
      private Path gpuDiscoveryScript;
      private Path log4jConfig;
      private boolean secured;

      private Copy(Options from) {
        this.from = from;
        sparkJars = from.sparkJars;
        gpuDiscoveryScript = from.gpuDiscoveryScript;
        log4jConfig = from.log4jConfig;
        secured = from.secured;
      }

      private Options build() {
        return new Options(
            from.workers,
            from.coresPerWorker,
            from.workerMemory,
            from.gpusPerWorker,
            from.dataNodes,
            from.workDir,
            sparkJars,
            gpuDiscoveryScript,
            log4jConfig,
            secured);
      }
    }
  }

  private final Options options;
  private final Path home;
  private final Path sparkHome;
  private final Path sparkConf;
  private final Path hadoopConf;
  private final String jvmOptions = JavaModuleOptions.defaultModuleOptions();
  private final String secret;
  private final List<Process> workers = new ArrayList<>();
  private final List<ProcessHandle> processes = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::stopProcesses, "loopback-cluster-stop");
  private final List<String> directoriesOnClassPath = new ArrayList<>();
  private MiniDFSCluster dfs;
  private Process master;
  private int masterPort;
  private int masterWebPort;

  private LoopbackCluster(Options options) {
    this.options = options;
    this.home = options.workDir();
    this.sparkHome = home.resolve("spark-home");
    this.sparkConf = home.resolve("spark-conf");
    this.hadoopConf = home.resolve("hadoop-conf");
    this.secret = options.secured() ? newSecret() : null;
  }

  private static String newSecret() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Starts {@code workers} workers of {@code coresPerWorker} cores, {@code memory} and {@code
   * gpusPerWorker} GPU addresses each, a master and HDFS, running Spark from this JVM's classpath;
   * returns once every worker has registered with the master.
   */
  public static LoopbackCluster start(
      int workers, int coresPerWorker, String memory, int gpusPerWorker, Path workDir)
      throws IOException {
    return start(Options.of(workers, coresPerWorker, memory, gpusPerWorker, workDir));
  }

  /** Starts the cluster {@code options} describe. */
  public static LoopbackCluster start(Options options) throws IOException {
    LoopbackCluster cluster = new LoopbackCluster(options);
    try {
      cluster.startAll();
      return cluster;
    } catch (IOException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** {@code spark://127.0.0.1:port}. */
  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  /** {@code hdfs://localhost:port}, the HDFS's {@code fs.defaultFS}. */
  public URI hdfsUri() {
    return dfs.getURI();
  }

  /** {@code hdfs://localhost:port} + {@code path}. */
  public URI hdfs(String path) {
    return URI.create(dfs.getURI().toString() + path);
  }

  /** The HDFS, as a client in this JVM sees it. */
  public DistributedFileSystem fileSystem() {
    try {
      return dfs.getFileSystem();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client configuration for the HDFS (replication 2, 1 MB blocks). */
  public Configuration hadoopConfiguration() {
    Configuration conf = new Configuration(dfs.getConfiguration(0));
    conf.setInt("dfs.replication", 2);
    conf.setLong("dfs.blocksize", 1024 * 1024);
    return conf;
  }

  /** The work folder: every process's output. */
  public Path workDir() {
    return home;
  }

  /**
   * Spark settings for a driver in this JVM: master, loopback addresses, executors' classpath and
   * JVM options, the HDFS.
   */
  public Map<String, String> driverSettings() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.master", masterUrl());
    conf.put("spark.driver.host", "127.0.0.1");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.hadoop.fs.defaultFS", hdfsUri().toString());
    conf.put("spark.executor.extraJavaOptions", executorJavaOptions());
    if (!directoriesOnClassPath.isEmpty()) {
      // Class folders (target/classes) cannot be linked into SPARK_HOME/jars.
      conf.put(
          "spark.executor.extraClassPath", String.join(File.pathSeparator, directoriesOnClassPath));
    }
    if (options.gpusPerWorker() > 0) {
      conf.put("spark.executor.resource.gpu.amount", Integer.toString(options.gpusPerWorker()));
      conf.put("spark.task.resource.gpu.amount", "1");
    }
    conf.put("spark.executor.cores", Integer.toString(options.coresPerWorker()));
    if (secret != null) {
      conf.put("spark.authenticate", "true");
      conf.put("spark.authenticate.secret", secret);
      conf.put("spark.network.crypto.enabled", "true");
      conf.put("spark.io.encryption.enabled", "true");
    }
    return conf;
  }

  /**
   * JVM options executors need on Java 17 with ND4J: Spark's --add-opens list and JavaCPP's cache
   * in the work folder.
   */
  public String executorJavaOptions() {
    return jvmOptions + " -Dorg.bytedeco.javacpp.cachedir=" + javacppCache();
  }

  /**
   * The environment a {@code spark-submit} against this cluster needs: SPARK_HOME, SPARK_CONF_DIR,
   * HADOOP_CONF_DIR.
   */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_CONF_DIR", sparkConf.toString());
    env.put("HADOOP_CONF_DIR", hadoopConf.toString());
    // Without it the worker's launcher looks for a Spark build and fails executors with "Cannot
    // find any build directories".
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    if (secret != null) {
      // A standalone driver takes its secret only from spark.authenticate.secret: given here, as
      // a system property of the spark-submit JVM, a job's own properties need not carry it.
      env.put("SPARK_SUBMIT_OPTS", "-Dspark.authenticate.secret=" + secret);
    }
    return env;
  }

  /**
   * Executor JVMs running now: children of the worker JVMs running CoarseGrainedExecutorBackend.
   */
  public List<ProcessHandle> executors() {
    List<ProcessHandle> executors = new ArrayList<>();
    for (Process worker : workers) {
      worker
          .toHandle()
          .descendants()
          .filter(p -> commandLineOf(p).contains("CoarseGrainedExecutorBackend"))
          .forEach(executors::add);
    }
    return executors;
  }

  /**
   * What the executors of application {@code app} printed (their stderr in the workers' work
   * folders).
   */
  public String executorLogs(String app) throws IOException {
    StringBuilder logs = new StringBuilder();
    for (Path folder : applicationFolders(app)) {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path file :
            files.filter(f -> f.getFileName().toString().equals("stderr")).sorted().toList()) {
          logs.append(Files.readString(file, StandardCharsets.UTF_8));
        }
      }
    }
    return logs.toString();
  }

  /**
   * Executors launched for application {@code app}, alive or not (one folder each in the workers'
   * work folders).
   */
  public long executorsLaunched(String app) throws IOException {
    long count = 0;
    for (Path folder : applicationFolders(app)) {
      try (Stream<Path> executors = Files.list(folder)) {
        count += executors.filter(Files::isDirectory).count();
      }
    }
    return count;
  }

  /** Workers (numbered from 1) that launched an executor for application {@code app}. */
  public List<Integer> workersRunning(String app) {
    return IntStream.rangeClosed(1, options.workers())
        .filter(w -> Files.isDirectory(home.resolve("worker-" + w + "/work/" + app)))
        .boxed()
        .toList();
  }

  private List<Path> applicationFolders(String app) {
    return workersRunning(app).stream()
        .map(w -> home.resolve("worker-" + w + "/work/" + app))
        .toList();
  }

  /**
   * The in-process HDFS, for the fault tests in this package (stopping DataNodes, space quotas);
   * not part of what a job run against the cluster sees.
   */
  MiniDFSCluster dfs() {
    return dfs;
  }

  /** Applications the master knows of, running or finished: id -> name. */
  public Map<String, String> applications() {
    JsonNode json = masterState();
    Map<String, String> apps = new LinkedHashMap<>();
    for (String list : List.of("activeapps", "completedapps")) {
      for (JsonNode app : json.path(list)) {
        apps.put(app.path("id").asText(), app.path("name").asText());
      }
    }
    return apps;
  }

  /** The master's state as its web UI serves it at {@code /json/}: workers, applications. */
  public JsonNode masterState() {
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterWebPort + "/json/"))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return new ObjectMapper().readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A process's whole command line (from /proc; ProcessHandle.Info may shorten it). */
  public static String commandLineOf(ProcessHandle process) {
    Path cmdline = Paths.get("/proc", Long.toString(process.pid()), "cmdline");
    try {
      return Files.readString(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return process.info().commandLine().orElse("");
    }
  }

  /** Kills a process and everything it started, with SIGKILL, and waits for them. */
  public static void killTree(ProcessHandle process) {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(process);
    for (ProcessHandle p : all) {
      p.destroyForcibly();
    }
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // reported by whoever needs the process gone
      }
    }
  }

  /**
   * Records a process started against the cluster (a driver, say) so that it is stopped with the
   * cluster, and by the next start if this JVM is killed first.
   */
  public synchronized void register(Process process) throws IOException {
    ProcessHandle handle = process.toHandle();
    processes.add(handle);
    String line =
        handle.pid() + " " + handle.info().startInstant().map(Instant::toString).orElse("?") + "\n";
    Files.writeString(
        pidsFile(),
        line,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  @Override
  public void close() {
    try {
      stopProcesses();
      Files.deleteIfExists(pidsFile());
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (dfs != null) {
        dfs.shutdown(true);
      }
    }
  }

  // --- starting -------------------------------------------------------------------------------

  private void startAll() throws IOException {
    stopLeftovers();
    deleteRecursively(home);
    Files.createDirectories(home);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    linkSparkHome();
    startHdfs();
    writeConfiguration();
    masterPort = freePort();
    masterWebPort = freePort();
    master =
        daemon(
            "master",
            List.of(),
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            "" + masterPort,
            "--webui-port",
            "" + masterWebPort);
    Path discovery =
        options.gpuDiscoveryScript() != null
            ? options.gpuDiscoveryScript().toAbsolutePath()
            : writeDiscoveryScript();
    for (int i = 1; i <= options.workers(); i++) {
      Path worker = Files.createDirectories(home.resolve("worker-" + i));
      List<String> properties =
          options.gpusPerWorker() == 0
              ? List.of()
              : List.of(
                  "-Dspark.worker.resource.gpu.amount=" + options.gpusPerWorker(),
                  "-Dspark.worker.resource.gpu.discoveryScript=" + discovery);
      workers.add(
          daemon(
              "worker-" + i,
              properties,
              "org.apache.spark.deploy.worker.Worker",
              masterUrl(),
              "--host",
              "127.0.0.1",
              "--cores",
              "" + options.coresPerWorker(),
              "--memory",
              options.workerMemory(),
              "--webui-port",
              "" + freePort(),
              "--work-dir",
              worker.resolve("work").toString()));
    }
    awaitLine(home.resolve("master.log"), "I have been elected leader", master);
    for (int i = 0; i < workers.size(); i++) {
      awaitLine(
          home.resolve("worker-" + (i + 1) + ".log"),
          "Successfully registered with master",
          workers.get(i));
    }
  }

  /**
   * SPARK_HOME/jars: links to the jars of {@link Options#sparkJars}, or of this JVM's classpath
   * (also those a manifest-only jar names, as Maven's test runners use); class folders are kept for
   * spark.executor.extraClassPath.
   */
  private void linkSparkHome() throws IOException {
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    List<Path> entries;
    if (options.sparkJars() != null) {
      try (Stream<Path> files = Files.list(options.sparkJars())) {
        entries = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
      }
    } else {
      entries = classPath();
    }
    Set<String> names = new LinkedHashSet<>();
    for (Path entry : entries) {
      if (Files.isDirectory(entry)) {
        directoriesOnClassPath.add(entry.toString());
      } else if (Files.isRegularFile(entry) && names.add(entry.getFileName().toString())) {
        Files.createSymbolicLink(jars.resolve(entry.getFileName()), entry.toAbsolutePath());
      }
    }
    if (names.stream().noneMatch(name -> name.startsWith("spark-core_"))) {
      throw new IllegalStateException(
          "no spark-core jar among "
              + (options.sparkJars() != null
                  ? "the jars of " + options.sparkJars()
                  : "this JVM's classpath")
              + ": Spark cannot be started");
    }
  }

  private static List<Path> classPath() throws IOException {
    Set<Path> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path path = Paths.get(entry).toAbsolutePath();
      entries.add(path);
      if (Files.isRegularFile(path) && path.toString().endsWith(".jar")) {
        try (JarFile jar = new JarFile(path.toFile())) {
          String manifestPath =
              jar.getManifest() == null
                  ? null
                  : jar.getManifest().getMainAttributes().getValue("Class-Path");
          if (manifestPath != null && path.getFileName().toString().startsWith("surefirebooter")) {
            for (String url : manifestPath.trim().split("\\s+")) {
              entries.add(Paths.get(URI.create(url)));
            }
          }
        }
      }
    }
    return new ArrayList<>(entries);
  }

  private Path writeDiscoveryScript() throws IOException {
    String addresses =
        IntStream.range(0, options.gpusPerWorker())
            .mapToObj(i -> "\"" + i + "\"")
            .collect(Collectors.joining(", "));
    Path script = home.resolve("gpu-discovery.sh");
    Files.writeString(
        script,
        "#!/bin/sh\n# GPUs of the loopback cluster's workers: addresses only.\n"
            + "echo '{\"name\": \"gpu\", \"addresses\": ["
            + addresses
            + "]}'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private void startHdfs() throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, home.resolve("hdfs").toString());
    conf.setLong("dfs.blocksize", 1024 * 1024);
    conf.setInt("dfs.replication", 2);
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    dfs = new MiniDFSCluster.Builder(conf).numDataNodes(options.dataNodes()).format(true).build();
    dfs.waitActive();
    // conf/spark-defaults.conf logs events to hdfs:///spark-history, which a site creates once.
    DistributedFileSystem fs = dfs.getFileSystem();
    org.apache.hadoop.fs.Path history = new org.apache.hadoop.fs.Path("/spark-history");
    fs.mkdirs(history);
    fs.setPermission(history, new FsPermission((short) 01777));
  }

  /** HADOOP_CONF_DIR (core-site.xml and hdfs-site.xml as a site has them) and SPARK_CONF_DIR. */
  private void writeConfiguration() throws IOException {
    Files.createDirectories(hadoopConf);
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", dfs.getURI().toString());
    writeXml(core, hadoopConf.resolve("core-site.xml"));
    Configuration hdfs = new Configuration(false);
    hdfs.set("dfs.replication", "2");
    hdfs.set("dfs.blocksize", "1048576");
    writeXml(hdfs, hadoopConf.resolve("hdfs-site.xml"));
    Files.createDirectories(sparkConf);
    if (options.log4jConfig() != null) {
      Files.copy(options.log4jConfig(), sparkConf.resolve("log4j2.properties"));
    }
  }

  private static void writeXml(Configuration conf, Path file) throws IOException {
    try (var out = Files.newOutputStream(file)) {
      conf.writeXml(out);
    }
  }

  private Path javacppCache() {
    // One cache for every run in this work folder's parent: JavaCPP unpacks ~330 MB of natives.
    return home.getParent().resolve("javacpp-cache");
  }

  private Process daemon(String name, List<String> properties, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m"));
    command.addAll(List.of(jvmOptions.split("\\s+")));
    // The daemons' own logging, at INFO: start-up is recognised by their log lines, whatever
    // logging configuration the application's jars carry.
    command.add("-Dlog4j2.configurationFile=" + daemonLogging());
    if (secret != null) {
      // The secret itself comes through the environment, not the command line.
      command.addAll(List.of("-Dspark.authenticate=true", "-Dspark.network.crypto.enabled=true"));
    }
    command.addAll(properties);
    command.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*", mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(home.resolve(name + ".log").toFile());
    builder.environment().putAll(environment());
    builder.environment().remove("SPARK_SUBMIT_OPTS");
    if (secret != null) {
      // SecurityManager's ENV_AUTH_SECRET: the daemons' secret, which workers hand to executors.
      builder.environment().put("_SPARK_AUTH_SECRET", secret);
    }
    if (name.startsWith("worker")) {
      builder
          .environment()
          .put(
              "CUDA_VISIBLE_DEVICES",
              IntStream.range(0, options.gpusPerWorker())
                  .mapToObj(Integer::toString)
                  .collect(Collectors.joining(",")));
      builder.environment().put("SPARK_LOCAL_DIRS", home.resolve(name).resolve("local").toString());
    }
    Process process = builder.start();
    register(process);
    return process;
  }

  private Path daemonLogging() throws IOException {
    Path file = home.resolve("daemon-log4j2.properties");
    if (!Files.exists(file)) {
      Files.writeString(
          file,
          String.join(
              "\n",
              "appender.console.type = Console",
              "appender.console.name = console",
              "appender.console.layout.type = PatternLayout",
              "appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1}: %m%n",
              "rootLogger.level = info",
              "rootLogger.appenderRef.console.ref = console",
              ""));
    }
    return file;
  }

  private Path pidsFile() {
    // Beside the work folder, which is emptied at start.
    return home.resolveSibling(home.getFileName() + "." + PIDS);
  }

  /** Stops processes an earlier run in this work folder left behind (its pids file). */
  private void stopLeftovers() throws IOException {
    Path pids = pidsFile();
    if (!Files.exists(pids)) {
      return;
    }
    for (String line : Files.readAllLines(pids)) {
      String[] parts = line.split(" ");
      if (parts.length != 2) {
        continue;
      }
      Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(parts[0]));
      if (process.isPresent()
          && process
              .get()
              .info()
              .startInstant()
              .map(Instant::toString)
              .orElse("")
              .equals(parts[1])) {
        killTree(process.get());
      }
    }
    Files.delete(pids);
  }

  private void awaitLine(Path log, String text, Process process) throws IOException {
    long deadline = System.nanoTime() + DAEMON_START.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      if (!process.isAlive()) {
        break;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(
        "'"
            + text
            + "' did not appear in "
            + log
            + ":\n"
            + (Files.exists(log) ? Files.readString(log) : "(no output)"));
  }

  private static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  private synchronized void stopProcesses() {
    // Drivers and other registered processes first, then workers with their executors, then the
    // master.
    List<ProcessHandle> all = new ArrayList<>(processes);
    all.sort(
        Comparator.comparing((ProcessHandle p) -> master != null && p.pid() == master.pid())
            .thenComparing(p -> workers.stream().anyMatch(w -> w.pid() == p.pid())));
    for (ProcessHandle process : all) {
      killTree(process);
    }
  }

  static void awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "process " + process.pid() + " did not exit within " + timeout, e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
