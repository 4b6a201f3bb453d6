package org.alexnetspark.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.TestImages;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatsJobTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final int SIZE = 72;

  @Test
  void statisticsEqualAnIndependentTwoPassComputationOnTheStoredPixels() throws Exception {
    FileSystem fs = HDFS.fileSystem();
    // Known images: seeded noise of three kinds, already at the stored size (no resizing).
    int[] types = {
      BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_INT_RGB
    };
    for (int i = 0; i < 9; i++) {
      try (OutputStream out =
          fs.create(new Path("/known/train/c" + (i % 3) + "/img" + i + ".png"))) {
        out.write(TestImages.encode(TestImages.noise(SIZE, SIZE, types[i % 3], 100 + i), "png"));
      }
    }
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(),
            List.of("model.variant=scaled", "data.image-size=" + SIZE, "data.shard-bytes=64k"));
    Storage storage = new Storage(HDFS.configuration());
    PrepareJob.Request request =
        new PrepareJob.Request(
            HDFS.uri("/known"), HDFS.uri("/known-data"), "train", null, null, null);
    PrepareJob prepare = new PrepareJob(config, storage);
    prepare.run(SPARK.context(), request, prepare.check(request));
    URI dataset = HDFS.uri("/known-data");

    DatasetStats stats =
        new StatsJob(storage, config)
            .run(SPARK.context(), dataset, Manifest.read(storage, dataset));
    assertEquals(config.render(), stats.provenance().config());

    // Independent reference: every stored pixel decoded, then a plain two-pass mean and covariance.
    Manifest manifest = Manifest.read(storage, dataset);
    JpegDecoder decoder = JpegDecoder.of(config.data().decoder());
    List<double[]> pixels = new ArrayList<>();
    double[] meanImage = new double[3 * SIZE * SIZE];
    for (URI shard : manifest.shardUris(dataset)) {
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          for (StoredImage stored : reader.readRowGroup(g)) {
            Image image = new Image();
            decoder.decode(stored.jpeg(), image);
            for (int y = 0; y < SIZE; y++) {
              for (int x = 0; x < SIZE; x++) {
                double[] rgb = {image.rgb(x, y, 0), image.rgb(x, y, 1), image.rgb(x, y, 2)};
                pixels.add(rgb);
                for (int c = 0; c < 3; c++) {
                  meanImage[c * SIZE * SIZE + y * SIZE + x] += rgb[c] / 9;
                }
              }
            }
          }
        }
      }
    }
    double[] mean = new double[3];
    for (double[] p : pixels) {
      for (int c = 0; c < 3; c++) {
        mean[c] += p[c] / pixels.size();
      }
    }
    double[][] covariance = new double[3][3];
    for (double[] p : pixels) {
      for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 3; k++) {
          covariance[j][k] += (p[j] - mean[j]) / 255 * (p[k] - mean[k]) / 255 / (pixels.size() - 1);
        }
      }
    }
    EigenDecomposition eigen = new EigenDecomposition(new Array2DRowRealMatrix(covariance));

    assertEquals(9, stats.images());
    assertArrayEquals(mean, stats.meanRgb(), 1e-4);
    for (int j = 0; j < 3; j++) {
      assertArrayEquals(covariance[j], stats.covariance()[j], 1e-4);
    }
    double[] values = eigen.getRealEigenvalues().clone();
    Arrays.sort(values);
    assertArrayEquals(new double[] {values[2], values[1], values[0]}, stats.eigenvalues(), 1e-4);
    for (int i = 0; i < 3; i++) {
      // Each stored eigenvector satisfies C v = l v with the reference covariance.
      double[] v = stats.eigenvectors()[i];
      for (int j = 0; j < 3; j++) {
        double cv = covariance[j][0] * v[0] + covariance[j][1] * v[1] + covariance[j][2] * v[2];
        assertEquals(stats.eigenvalues()[i] * v[j], cv, 1e-4);
      }
      assertEquals(1.0, Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), 1e-9);
    }
    float[] stored = StatsJob.readMeanImage(storage, dataset);
    assertEquals(meanImage.length, stored.length);
    for (int i = 0; i < stored.length; i++) {
      assertEquals(meanImage[i], stored[i], 1e-3);
    }
  }
}
