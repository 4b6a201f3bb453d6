package org.alexnetspark.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Spark context of a job. Under {@code spark-submit} the master and resources come from
 * the submission; with no master given, the job runs on local Spark with every core of this
 * machine, so the same command works on a laptop and a cluster.
 */
public final class SparkJobs {
  private static final Logger LOG = LoggerFactory.getLogger(SparkJobs.class);

  private SparkJobs() {}

  public static JavaSparkContext start(String appName) {
    SparkConf conf = new SparkConf(true).setAppName(appName);
    if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    conf.setIfMissing("spark.kryo.registrator", KryoRegistration.class.getName());
    // A worker's result holds its replica's parameters and momentum: about 490 MB for the paper's
    // network, far over Kryo's default 64 MB buffer.
    conf.setIfMissing("spark.kryoserializer.buffer.max", "2047m");
    JavaSparkContext context = new JavaSparkContext(conf);
    LOG.info("Spark {} master {} ({} default parallelism)", context.version(), context.master(),
        context.defaultParallelism());
    return context;
  }
}
