package org.alexnetspark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.testing.MiniHdfs;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A model folder written by the model package, read back for inference. */
class TrainedModelTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static final int STORED = 4;

  private static AlexNetConfig config;
  private static ComputationGraph network;
  private static DatasetStats stats;
  private static float[] meanImage;
  private static List<Label> labels;

  @BeforeAll
  static void build() {
    config =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=3", "data.image-size=76"));
    network = AlexNet.create(config.model(), config.optimizer());
    stats =
        new DatasetStats(
            DatasetStats.FORMAT,
            7,
            7L * STORED * STORED,
            STORED,
            new double[] {120.5, 110.25, 100.125},
            new double[][] {{0.3, 0.1, 0.0}, {0.1, 0.2, 0.05}, {0.0, 0.05, 0.1}},
            new double[] {0.4, 0.15, 0.05},
            new double[][] {{0.6, 0.6, 0.52}, {0.7, -0.7, 0.0}, {-0.37, -0.37, 0.85}},
            DatasetStats.SCALE,
            DatasetStats.MEAN_IMAGE_FILE,
            null);
    // Every value distinct, so that a transposed or reordered mean image would be noticed.
    meanImage = new float[3 * STORED * STORED];
    for (int i = 0; i < meanImage.length; i++) {
      meanImage[i] = i * 1.5f;
    }
    labels =
        List.of(
            new Label(0, "n01", "tench"), new Label(1, "n02", "goldfish"), new Label(2, "n03", ""));
  }

  private static URI save(String where, Map<String, byte[]> files) throws IOException {
    URI target = HDFS.uri(where);
    new ModelStore(new Storage(HDFS.configuration()))
        .save(
            network,
            config,
            ModelInfo.trained(labels, 0, 0, 0, "hdfs:///data/train", null, null, null, null),
            target,
            false,
            files);
    return target;
  }

  @Test
  void aFolderWrittenByTheModelPackageIsReadBackEqual() throws IOException {
    URI target = save("/models/for-inference", ModelStore.normalisationFiles(stats, meanImage));

    TrainedModel loaded = TrainedModel.load(new Storage(HDFS.configuration()), target);

    assertArrayEquals(meanImage, loaded.meanImage());
    assertEquals(STORED, loaded.storedSize());
    assertEquals(stats.images(), loaded.stats().images());
    assertArrayEquals(stats.meanRgb(), loaded.stats().meanRgb());
    assertArrayEquals(stats.eigenvalues(), loaded.stats().eigenvalues());
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(stats.eigenvectors()[i], loaded.stats().eigenvectors()[i]);
    }
    assertEquals(67, loaded.inputSize());
    assertEquals(config.render(), loaded.config().render());
    assertEquals("goldfish", loaded.className(1));
    assertEquals("n02", loaded.classId(1));
    assertEquals("7", loaded.className(7), "an index beyond the label map names itself");
    Nd4j.getRandom().setSeed(11);
    INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 67, 67);
    assertEquals(network.outputSingle(images), loaded.network().outputSingle(images));
  }

  @Test
  void aFolderWithoutTheTrainingSetsStatisticsIsRefusedSayingWhatIsMissing() throws IOException {
    URI target = save("/models/without-stats", Map.of());
    IOException e =
        assertThrows(
            IOException.class, () -> TrainedModel.load(new Storage(HDFS.configuration()), target));
    assertTrue(
        e.getMessage().contains("without the statistics of its training set"), e.getMessage());
    assertTrue(e.getMessage().contains(ModelStore.STATS_FILE), e.getMessage());
  }
}
