package org.alexnetspark.cluster;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;

/**
 * Faults injected into a {@link LoopbackCluster} by the fault-tolerance tests: an executor killed
 * with SIGKILL, a DataNode stopped as a crashed node stops, an HDFS space quota. Test code only;
 * the cluster itself offers none of this.
 */
final class ClusterFaults {
  private final LoopbackCluster cluster;

  ClusterFaults(LoopbackCluster cluster) {
    this.cluster = cluster;
  }

  /** Kills one executor JVM with SIGKILL and waits until it is gone; returns its command line. */
  String killExecutor() {
    ProcessHandle executor =
        cluster.executors().stream()
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no executor is running"));
    String command = LoopbackCluster.commandLineOf(executor);
    executor.destroyForcibly();
    LoopbackCluster.awaitExit(executor, Duration.ofSeconds(30));
    return command;
  }

  /** The application an executor JVM belongs to (its --app-id). */
  static String applicationOf(String executorCommandLine) {
    Matcher app = Pattern.compile("--app-id (app-\\S+)").matcher(executorCommandLine);
    if (!app.find()) {
      throw new IllegalArgumentException("not an executor: " + executorCommandLine);
    }
    return app.group(1);
  }

  /**
   * Stops DataNode {@code index} the way a crashed node stops: its ports close, and the NameNode
   * goes on listing it until its heartbeats are missed for ten minutes.
   */
  StoppedDataNode stopDataNode(int index) {
    MiniDFSCluster dfs = cluster.dfs();
    int port = dfs.getDataNodes().get(index).getXferPort();
    MiniDFSCluster.DataNodeProperties properties = dfs.stopDataNode(index);
    if (properties == null) {
      throw new IllegalArgumentException("no DataNode " + index);
    }
    return new StoppedDataNode(dfs, properties, port);
  }

  /** A stopped DataNode. */
  static final class StoppedDataNode {
    private final MiniDFSCluster dfs;
    private final MiniDFSCluster.DataNodeProperties properties;
    private final int port;

    private StoppedDataNode(
        MiniDFSCluster dfs, MiniDFSCluster.DataNodeProperties properties, int port) {
      this.dfs = dfs;
      this.properties = properties;
      this.port = port;
    }

    /** The port clients read and wrote its blocks through. */
    int port() {
      return port;
    }

    /** Starts it again, on the same ports. */
    void restart() throws IOException {
      dfs.restartDataNode(properties, true);
      dfs.waitActive();
    }
  }

  /** DataNodes that are running. */
  int liveDataNodes() {
    return (int) cluster.dfs().getDataNodes().stream().filter(d -> d.isDatanodeUp()).count();
  }

  /**
   * Sets an HDFS space quota on {@code folder}: bytes of storage, counting every replica (a file of
   * n bytes uses 2n here; a block being written reserves a whole block per replica).
   */
  void setSpaceQuota(String folder, long bytes) throws IOException {
    cluster.fileSystem().setQuota(new Path(folder), HdfsConstants.QUOTA_DONT_SET, bytes);
  }

  /** Removes the space quota of {@code folder}. */
  void clearSpaceQuota(String folder) throws IOException {
    cluster
        .fileSystem()
        .setQuota(new Path(folder), HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
  }
}
