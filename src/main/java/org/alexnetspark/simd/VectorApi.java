package org.alexnetspark.simd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the Vector API can be used here. A class that uses it must be loaded only when {@link
 * #available()} says so: without the module in the JVM, loading it fails.
 */
public final class VectorApi {
  private static final Logger LOG = LoggerFactory.getLogger(VectorApi.class);
  private static final boolean AVAILABLE = check();

  private VectorApi() {}

  /** True when {@code jdk.incubator.vector} is in this JVM's boot layer. */
  public static boolean available() {
    return AVAILABLE;
  }

  private static boolean check() {
    boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    if (!present) {
      LOG.warn(
          "this JVM was started without --add-modules=jdk.incubator.vector: the training"
              + " augmentation and the LRN gradient run plain loops, several times slower (same"
              + " values); add it to spark.driver.extraJavaOptions and"
              + " spark.executor.extraJavaOptions as conf/spark-defaults.conf does");
    }
    return present;
  }
}
