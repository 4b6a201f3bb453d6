package org.alexnetspark.data;

import java.util.List;
import java.util.Map;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;

/** Hand-made datasets for the reader's tests: a manifest over given shards, a plain augmenter. */
final class TestShards {
  private TestShards() {}

  /** A test split's manifest over {@code shards} of images stored at {@code stored} pixels. */
  static Manifest manifest(int stored, List<Manifest.Shard> shards) {
    return new Manifest(
        Manifest.FORMAT,
        "test",
        stored,
        0,
        0,
        List.of(),
        Map.of(),
        shards,
        List.of(),
        List.of(),
        null);
  }

  /**
   * Random {@code crop}-pixel crops of {@code stored}-pixel images, mirrored half the time, with
   * colour noise along the RGB axes and no mean subtracted.
   */
  static Augmenter augmenter(int stored, int crop) {
    return new Augmenter(
        stored,
        crop,
        0.5,
        new PcaLighting(
            new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {1, 1, 1}, 0.1),
        null);
  }
}
