package org.alexnetspark.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real in-process HDFS (one name node, one data node) shared by every test class of a run:
 * started by the first class that registers it, stopped when the run ends.
 *
 * <pre>
 * {@literal @}RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
 * URI folder = HDFS.uri("/models/m1");
 * </pre>
 */
public final class MiniHdfs implements BeforeAllCallback {
  private static final String KEY = MiniHdfs.class.getName();

  private Cluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(KEY, key -> Cluster.start(), Cluster.class);
  }

  /** {@code hdfs://localhost:port} + {@code path}. */
  public URI uri(String path) {
    return URI.create(cluster.dfs.getURI().toString() + path);
  }

  public FileSystem fileSystem() {
    try {
      return cluster.dfs.getFileSystem();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client configuration pointing at this HDFS. */
  public Configuration configuration() {
    return new Configuration(cluster.dfs.getConfiguration(0));
  }

  static final class Cluster implements ExtensionContext.Store.CloseableResource {
    private final MiniDFSCluster dfs;

    private Cluster(MiniDFSCluster dfs) {
      this.dfs = dfs;
    }

    static Cluster start() {
      try {
        Path base =
            Files.createDirectories(Paths.get("target", "minidfs"))
                .resolve("run-" + ProcessHandle.current().pid());
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toAbsolutePath().toString());
        conf.setLong("dfs.blocksize", 1024 * 1024);
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
        dfs.waitActive();
        return new Cluster(dfs);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the in-process HDFS", e);
      }
    }

    @Override
    public void close() {
      dfs.shutdown(true);
      new File(dfs.getDataDirectory()).getParentFile().delete();
    }
  }
}
