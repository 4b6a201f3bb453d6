package org.alexnetspark.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS inside this process (Hadoop's MiniDFSCluster: a NameNode and a DataNode on loopback
 * ports, blocks under a local folder), so that the demo's shards, runs and models live on {@code
 * hdfs://} as they do on a cluster. Gone when the process ends.
 */
final class InProcessHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

  InProcessHdfs(Path folder) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, folder.toAbsolutePath().toString());
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
    cluster.waitActive();
  }

  /** {@code hdfs://localhost:port} + {@code path}. */
  URI uri(String path) {
    return URI.create(cluster.getURI().toString() + path);
  }

  /** The file system's address, for {@code fs.defaultFS}. */
  String defaultFs() {
    return cluster.getURI().toString();
  }

  @Override
  public void close() {
    cluster.shutdown(true);
  }
}
