package org.alexnetspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;

/**
 * A model folder made without training: the small scaled network of {@link #CONF}, freshly
 * initialised, saved the way training saves one (with the training set's label map and statistics).
 * Saved once per JVM for each prepared dataset, on the in-process HDFS.
 */
public final class UntrainedModel {
  /** The network and data settings of the model. */
  public static final Path CONF = Paths.get("src/test/resources/conf/train-small.conf");

  /** A saved model and the configuration it was built with. */
  public record Saved(URI location, AlexNetConfig config) {}

  private static final Map<URI, Saved> SAVED = new HashMap<>();

  private UntrainedModel() {}

  /** The model for {@code data}'s training set, saved on first use. */
  public static synchronized Saved of(MiniHdfs hdfs, PreparedFashionMnist.Datasets data) {
    return SAVED.computeIfAbsent(
        data.train(),
        train -> {
          try {
            AlexNetConfig config = AlexNetConfig.load(List.of(CONF), List.of());
            Storage storage = data.storage();
            URI target = hdfs.uri("/models/untrained-" + Integer.toHexString(train.hashCode()));
            save(storage, config, Manifest.read(storage, train).labels(), train, target);
            return new Saved(target, config);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * Saves a freshly initialised network of {@code config} at {@code target}, with {@code labels}
   * and the statistics of the prepared training set {@code train}.
   */
  public static void save(
      Storage storage, AlexNetConfig config, List<Label> labels, URI train, URI target)
      throws IOException {
    new ModelStore(storage)
        .save(
            AlexNet.create(config.model(), config.optimizer()),
            config,
            ModelInfo.trained(labels, 0, 0, 0, train.toString(), null, null, null, null),
            target,
            true,
            ModelStore.normalisationFiles(
                DatasetStats.read(storage, train), StatsJob.readMeanImage(storage, train)));
  }
}
