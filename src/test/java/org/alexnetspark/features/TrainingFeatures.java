package org.alexnetspark.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.UntrainedModel;

/**
 * The features table of the shared training set (two shards) with the shared untrained model,
 * computed by {@link FeatureJob} once per JVM for the tests of this package.
 */
final class TrainingFeatures {
  /** The table, what the job said it wrote, and what it was computed from. */
  record Table(
      URI location,
      FeatureTable written,
      PreparedFashionMnist.Datasets data,
      UntrainedModel.Saved model) {}

  private static Table table;

  private TrainingFeatures() {}

  static synchronized Table of(MiniHdfs hdfs, LocalSpark spark) {
    if (table == null) {
      PreparedFashionMnist.Datasets data =
          PreparedFashionMnist.of(hdfs, spark.context(), 60, 20, 72);
      UntrainedModel.Saved model = UntrainedModel.of(hdfs, data);
      URI output = hdfs.uri("/features/train");
      FeatureJob job = new FeatureJob(model.config(), data.storage());
      FeatureJob.Request request =
          new FeatureJob.Request(model.location(), data.train(), output, Preset.CENTRE);
      try {
        table =
            new Table(output, job.run(spark.context(), request, job.check(request)), data, model);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return table;
  }
}
