package org.alexnetspark.testing;

import org.alexnetspark.spark.KryoRegistration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Spark, {@code local[2]}, shared by every test class of a run (started by the first class
 * that registers it), with the jobs' Kryo settings.
 */
public final class LocalSpark implements BeforeAllCallback {
  private static final String KEY = LocalSpark.class.getName();

  private Context context;

  @Override
  public void beforeAll(ExtensionContext extension) {
    context =
        extension
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(KEY, key -> Context.start(), Context.class);
  }

  /**
   * The settings of a test's local Spark: loopback addresses, no UI, scratch under {@code target},
   * and Kryo with this project's registrations, as the jobs use it.
   */
  public static SparkConf conf(String master, String appName) {
    return new SparkConf()
        .setMaster(master)
        .setAppName(appName)
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.local.dir", "target/spark-local")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", KryoRegistration.class.getName())
        .set("spark.kryoserializer.buffer.max", "2047m");
  }

  public JavaSparkContext context() {
    return context.spark;
  }

  static final class Context implements ExtensionContext.Store.CloseableResource {
    private final JavaSparkContext spark;

    private Context(JavaSparkContext spark) {
      this.spark = spark;
    }

    static Context start() {
      SparkConf conf = conf("local[2]", "alexnet-spark tests");
      return new Context(new JavaSparkContext(conf));
    }

    @Override
    public void close() {
      spark.stop();
    }
  }
}
