package org.alexnetspark.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.deploy.yarn.Client;

/**
 * A real YARN with a real HDFS in this JVM, set up the way an edge node sees a cluster, for
 * submitting jobs with the {@code jobs/yarn/} scripts in cluster mode: a ResourceManager and one
 * NodeManager (MiniYARNCluster, which runs every container as a process of its own), an HDFS of one
 * DataNode, and
 *
 * <ul>
 *   <li>{@code HADOOP_CONF_DIR}: {@code core-site.xml} (this HDFS as {@code fs.defaultFS}, so
 *       {@code hdfs:///x} means this HDFS), {@code hdfs-site.xml} and {@code yarn-site.xml};
 *   <li>{@code SPARK_HOME}: Spark's own jars ({@code target/spark/jars}, built by {@code mvn
 *       verify}) with Spark's YARN module added, and {@code bin/spark-submit} ({@link
 *       ScriptedCluster#SPARK_SUBMIT});
 *   <li>{@code SPARK_CONF_DIR/spark-defaults.conf}, what a site's has: {@code spark.yarn.jars}
 *       pointing at those jars on the node ({@code local:}, so that no submission uploads them, as
 *       Spark's own YARN tests do) and the containers' {@code JAVA_HOME};
 *   <li>{@code bin/hdfs}: {@code hdfs dfs ...} ({@link ScriptedCluster#HDFS}).
 * </ul>
 *
 * Containers' logs stay in the NodeManager's log folders ({@link #containerLogs}), under {@code
 * target/test/data/<name>/}.
 */
public final class MiniYarn implements AutoCloseable {
  private final Path home;
  private final MiniDFSCluster dfs;
  private final MiniYARNCluster yarn;
  private final YarnClient client;

  private MiniYarn(Path home, MiniDFSCluster dfs, MiniYARNCluster yarn, YarnClient client) {
    this.home = home;
    this.dfs = dfs;
    this.yarn = yarn;
    this.client = client;
  }

  /**
   * Starts HDFS and YARN and writes the edge node's folders under {@code target/<name>-edge/}.
   *
   * @param name names the folders in {@code target/}
   * @param nodeMemoryMb memory the NodeManager offers its containers
   */
  public static MiniYarn start(String name, int nodeMemoryMb) throws IOException {
    Path project = Paths.get("").toAbsolutePath();
    Path sparkJars = project.resolve("target/spark/jars");
    if (!Files.isDirectory(sparkJars)) {
      throw new IllegalStateException(
          sparkJars + " is missing: run 'mvn verify', which builds it (pre-integration-test)");
    }
    Path home = project.resolve("target").resolve(name + "-edge");
    deleteRecursively(home);
    Files.createDirectories(home);

    Configuration hdfsConf = new Configuration();
    hdfsConf.set(
        MiniDFSCluster.HDFS_MINIDFS_BASEDIR, home.resolve("hdfs").toAbsolutePath().toString());
    hdfsConf.setInt("dfs.replication", 1);
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).format(true).build();
    dfs.waitActive();
    MiniYARNCluster yarn = null;
    YarnClient client = null;
    try {
      YarnConfiguration conf = new YarnConfiguration();
      conf.set("fs.defaultFS", dfs.getURI().toString());
      conf.set("yarn.resourcemanager.hostname", "localhost");
      conf.setInt("yarn.nodemanager.resource.memory-mb", nodeMemoryMb);
      conf.setInt("yarn.nodemanager.resource.cpu-vcores", 8);
      conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
      conf.setInt("yarn.scheduler.maximum-allocation-mb", nodeMemoryMb);
      conf.setInt("yarn.resourcemanager.am.max-attempts", 2);
      // A shared, busy test machine: never mark the node unhealthy for a full disk, and leave
      // memory to the JVMs (ND4J keeps its buffers off the heap, over what YARN accounts).
      conf.set(
          "yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
      conf.setInt("yarn.nodemanager.disk-health-checker.min-free-space-per-disk-mb", 0);
      conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
      conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
      // Keep containers' folders and logs for post-mortems.
      conf.setInt("yarn.nodemanager.delete.debug-delay-sec", 3600);
      // hadoop-client-minicluster carries no capacity-scheduler.xml (as Spark's YARN tests do).
      conf.set("yarn.scheduler.capacity.root.queues", "default");
      conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
      conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
      conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
      conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 0.5f);
      conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
      conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
      conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
      conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
      yarn = new MiniYARNCluster(name, 1, 1, 1);
      yarn.init(conf);
      yarn.start();
      Configuration started = yarn.getConfig();
      // start() may return before the ResourceManager has its port in the configuration.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (started.get(YarnConfiguration.RM_ADDRESS, ":0").endsWith(":0")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the ResourceManager has no address after 30 s");
        }
        Thread.sleep(100);
      }
      client = YarnClient.createYarnClient();
      client.init(new YarnConfiguration(started));
      client.start();
      MiniYarn cluster = new MiniYarn(home, dfs, yarn, client);
      cluster.writeEdgeNode(project, sparkJars, started);
      return cluster;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } catch (IOException | RuntimeException e) {
      if (client != null) {
        client.stop();
      }
      if (yarn != null) {
        yarn.stop();
      }
      dfs.shutdown(true);
      throw e;
    }
  }

  private void writeEdgeNode(Path project, Path sparkJars, Configuration started)
      throws IOException {
    Path hadoopConf = Files.createDirectories(hadoopConfDir());
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", dfs.getURI().toString());
    writeXml(core, hadoopConf.resolve("core-site.xml"));
    Configuration hdfs = new Configuration(false);
    hdfs.set("dfs.replication", "1");
    writeXml(hdfs, hadoopConf.resolve("hdfs-site.xml"));
    writeXml(started, hadoopConf.resolve("yarn-site.xml"));

    // SPARK_HOME: Spark's jars and its YARN module, which the cluster jar does not carry.
    Path jars = Files.createDirectories(sparkHome().resolve("jars"));
    try (Stream<Path> files = Files.list(sparkJars)) {
      for (Path jar : files.toList()) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
      }
    }
    Path sparkYarn = jarOf(Client.class);
    Files.createSymbolicLink(jars.resolve(sparkYarn.getFileName()), sparkYarn);
    Path bin = Files.createDirectories(sparkHome().resolve("bin"));
    executable(bin.resolve("spark-submit"), ScriptedCluster.SPARK_SUBMIT);
    executable(Files.createDirectories(home.resolve("bin")).resolve("hdfs"), ScriptedCluster.HDFS);

    Path sparkConf = Files.createDirectories(sparkConfDir());
    String javaHome = System.getProperty("java.home");
    Files.writeString(
        sparkConf.resolve("spark-defaults.conf"),
        String.join(
            "\n",
            "# The site's own defaults, which jobs/yarn layers conf/spark-defaults.conf over.",
            "spark.yarn.jars                     local:" + jars + "/*",
            "spark.yarn.appMasterEnv.JAVA_HOME   " + javaHome,
            "spark.executorEnv.JAVA_HOME         " + javaHome,
            "spark.yarn.submit.file.replication  1",
            ""));
    Files.copy(project.resolve("conf/log4j2.properties"), sparkConf.resolve("log4j2.properties"));
  }

  /** The environment of the edge node: HADOOP_CONF_DIR, SPARK_HOME, SPARK_CONF_DIR, PATH. */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HADOOP_CONF_DIR", hadoopConfDir().toString());
    env.put("SPARK_HOME", sparkHome().toString());
    env.put("SPARK_CONF_DIR", sparkConfDir().toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    // What a Spark distribution's bin/load-spark-env.sh sets; Spark's launcher needs it.
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put(
        "PATH",
        home.resolve("bin")
            + File.pathSeparator
            + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    return env;
  }

  /** {@code hdfs://host:port} of the HDFS, followed by {@code path}. */
  public URI hdfs(String path) {
    return URI.create(dfs.getURI().toString() + path);
  }

  /** A client configuration for the HDFS. */
  public Configuration hadoopConfiguration() {
    return new Configuration(dfs.getConfiguration(0));
  }

  public FileSystem fileSystem() throws IOException {
    return dfs.getFileSystem();
  }

  /** A client of the ResourceManager. */
  public YarnClient client() {
    return client;
  }

  /** The edge node's folder: its configuration folders, and room for the tests' files. */
  public Path home() {
    return home;
  }

  /**
   * The log folder of a container ({@code stdout}, {@code stderr}), once the NodeManager has made
   * it.
   */
  public Optional<Path> containerLogs(String containerId) throws IOException {
    String application =
        ContainerId.fromString(containerId).getApplicationAttemptId().getApplicationId().toString();
    for (String dir :
        yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
      Path logs =
          Paths.get(URI.create("file:///").resolve(dir).getPath(), application, containerId);
      if (Files.isDirectory(logs)) {
        return Optional.of(logs);
      }
    }
    return Optional.empty();
  }

  private Path hadoopConfDir() {
    return home.resolve("hadoop-conf");
  }

  private Path sparkHome() {
    return home.resolve("spark");
  }

  private Path sparkConfDir() {
    return home.resolve("spark-conf");
  }

  @Override
  public void close() {
    client.stop();
    yarn.stop();
    dfs.shutdown(true);
  }

  private static Path jarOf(Class<?> type) {
    try {
      return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (Exception e) {
      throw new IllegalStateException("no jar of " + type.getName() + " on the classpath", e);
    }
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void writeXml(Configuration conf, Path file) throws IOException {
    try (var out = Files.newOutputStream(file)) {
      conf.writeXml(out);
    }
  }

  private static void deleteRecursively(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(file);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
