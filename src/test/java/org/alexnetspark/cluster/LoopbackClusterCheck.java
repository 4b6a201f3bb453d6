package org.alexnetspark.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Starts a {@link LoopbackCluster} from this JVM's classpath and runs a Spark job on it from a
 * driver in this JVM, printing one line per task: the executor's process id, the GPU address the
 * task was given, a class of the application loaded on the executor, and the length of a file the
 * driver wrote to the cluster's HDFS as the executor read it. {@link LoopbackClusterIT} runs it
 * with the classpath of {@code jobs/local/alexnet}.
 */
public final class LoopbackClusterCheck {
  private LoopbackClusterCheck() {}

  public static void main(String[] args) throws Exception {
    Path work = Paths.get(args[0]);
    try (LoopbackCluster cluster = LoopbackCluster.start(2, 2, "1g", 2, work)) {
      System.out.println("master " + cluster.masterUrl() + " hdfs " + cluster.hdfsUri());
      try (FSDataOutputStream out =
          cluster.fileSystem().create(new org.apache.hadoop.fs.Path("/check.txt"))) {
        out.write("written by the driver\n".repeat(1000).getBytes(StandardCharsets.UTF_8));
      }
      SparkConf conf = new SparkConf().setAppName("loopback cluster check");
      cluster.driverSettings().forEach(conf::set);
      String file = cluster.hdfs("/check.txt").toString();
      try (JavaSparkContext spark = new JavaSparkContext(conf)) {
        List<String> tasks =
            spark
                .parallelize(IntStream.range(0, 4).boxed().toList(), 4)
                .map(
                    task -> {
                      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
                      long length =
                          path.getFileSystem(new Configuration()).getFileStatus(path).getLen();
                      Thread.sleep(2000); // so that tasks overlap and take both GPUs of an executor
                      return "task "
                          + task
                          + " executor-pid "
                          + ProcessHandle.current().pid()
                          + " gpu "
                          + TaskContext.get().resourcesJMap().get("gpu").addresses()[0]
                          + " class "
                          + Class.forName("org.alexnetspark.train.averaging.ExactAveragingMaster")
                              .getSimpleName()
                          + " hdfs-length "
                          + length;
                    })
                .collect();
        tasks.forEach(System.out::println);
      }
      System.out.println("driver-pid " + ProcessHandle.current().pid());
      System.out.println(
          "executors-launched "
              + cluster.applications().keySet().stream()
                  .mapToLong(
                      app -> {
                        try {
                          return cluster.executorsLaunched(app);
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      })
                  .sum());
    }
  }
}
