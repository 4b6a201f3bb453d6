package org.alexnetspark.io;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop {@link Configuration} that can travel to Spark executors (Configuration itself is not
 * serialisable): the driver's settings, including {@code spark.hadoop.*}, reach every task.
 */
public final class HadoopConf implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> entries;
  private transient Configuration configuration;

  public HadoopConf(Configuration configuration) {
    this.entries = new HashMap<>();
    configuration.forEach(entry -> entries.put(entry.getKey(), entry.getValue()));
  }

  /** The configuration, rebuilt once per deserialised copy. */
  public synchronized Configuration get() {
    if (configuration == null) {
      configuration = new Configuration(false);
      entries.forEach(configuration::set);
    }
    return configuration;
  }
}
