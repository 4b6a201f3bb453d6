package org.alexnetspark.prepare;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code prepare} as the prepare tests run it: the scaled network's 72-pixel images in shards of 16
 * KB and row groups of 4 KB, so that a few dozen images make many shards.
 */
final class SmallShards {
  private SmallShards() {}

  /** The tests' preparation settings, with {@code overrides}. */
  static AlexNetConfig config(String... overrides) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "model.variant=scaled",
                "data.image-size=72",
                "data.shard-bytes=16k",
                "data.row-group-bytes=4k"));
    all.addAll(List.of(overrides));
    return AlexNetConfig.load(List.of(), all);
  }

  /** Checks and runs {@code request} with {@code config}. */
  static Manifest prepare(
      AlexNetConfig config, Storage storage, JavaSparkContext spark, PrepareJob.Request request)
      throws IOException {
    PrepareJob job = new PrepareJob(config, storage);
    return job.run(spark, request, job.check(request));
  }
}
