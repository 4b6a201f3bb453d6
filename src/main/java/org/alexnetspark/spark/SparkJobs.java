package org.alexnetspark.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
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

  /**
   * The Spark configuration of a job: what {@code spark-submit} (or system properties) gave, with a
   * local master when none was given, and the settings every job needs.
   */
  public static SparkConf conf(String appName) {
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
    // Spark's default of 1g is less than two workers' results for the paper's network when they
    // come back as task results (train.averaging.transport = results): 2 x 490 MB.
    conf.setIfMissing("spark.driver.maxResultSize", "4g");
    return conf;
  }

  /**
   * The Hadoop configuration the job will run with ({@code core-site.xml}, {@code hdfs-site.xml},
   * then every {@code spark.hadoop.*} setting), available before Spark starts so that the
   * pre-flight checks read storage exactly as the job will. On a Kerberised cluster the process is
   * logged in first ({@link KerberosLogin}), so that those checks read as the job's principal.
   */
  public static Configuration hadoopConfiguration(SparkConf conf) {
    Configuration hadoop = SparkHadoopUtil.get().newConfiguration(conf);
    KerberosLogin.ensure(conf, hadoop);
    return hadoop;
  }

  /** Starts Spark with {@code conf} (logged in to Kerberos first where the cluster needs it). */
  public static JavaSparkContext start(SparkConf conf) {
    KerberosLogin.ensure(conf, SparkHadoopUtil.get().newConfiguration(conf));
    JavaSparkContext context = new JavaSparkContext(conf);
    LOG.info(
        "Spark {} master {} ({} default parallelism); ND4J backend on the driver: {}",
        context.version(),
        context.master(),
        context.defaultParallelism(),
        Nd4j.getBackend().getClass().getSimpleName());
    return context;
  }

  /**
   * Spark SQL on the job's running context, for the jobs that read or write Parquet tables (the
   * session reuses the context; it is stopped with it).
   */
  public static SparkSession session(JavaSparkContext spark) {
    if (spark.sc().isStopped()) {
      throw new IllegalStateException("Spark has been stopped");
    }
    // With a context running, getOrCreate takes that one (SparkContext.getOrCreate) rather than
    // starting another.
    return SparkSession.builder().getOrCreate();
  }
}
