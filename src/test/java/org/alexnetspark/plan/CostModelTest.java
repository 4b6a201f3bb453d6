package org.alexnetspark.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.testing.Averaging;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.train.averaging.ExactAveragingMaster;
import org.alexnetspark.train.averaging.NodeBytes;
import org.alexnetspark.train.averaging.Settings;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link CostModel} against the docs' figures and against bytes the averaging counts. */
class CostModelTest {
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  /** The paper network's fp32 parameters and momentum, as the docs give it. */
  static final long PAPER_FP32_WITH_MOMENTUM = 487_700_000L;

  private static CostModel model(
      int executors, long payload, Combine combine, double gbps, double rate) {
    return new CostModel(executors, 2, payload, combine, 2, gbps, rate, 128);
  }

  @Test
  void theDriverPathReproducesTheDocumentedLinkTimesAndFrequencies() {
    // 2 x 2 workers: (4 + 1) x 487.7 MB = 2.44 GB; 1.95 s at 10 Gb/s; K40c: frequency 36.
    CostModel small = model(2, PAPER_FP32_WITH_MOMENTUM, Combine.DRIVER, 10, 260);
    assertEquals(4 * PAPER_FP32_WITH_MOMENTUM, small.driverBytesIn());
    assertEquals(PAPER_FP32_WITH_MOMENTUM, small.driverBytesOut());
    assertEquals(5 * 0.4877 * 8 / 10, small.averagingSeconds(), 1e-9);
    assertEquals(36, small.frequencyFor(0.10));
    // 32 x 2, Titan X (Pascal), 25 Gb/s: 1,969 in the docs' table.
    assertEquals(
        1969, model(32, PAPER_FP32_WITH_MOMENTUM, Combine.DRIVER, 25, 2760).frequencyFor(0.10));
    // At the frequency it asks for, the share is at most the target; one less is above it.
    CostModel m = model(8, PAPER_FP32_WITH_MOMENTUM / 4, Combine.DRIVER, 25, 675);
    int f = m.frequencyFor(0.10);
    assertTrue(m.share(f) <= 0.10 && m.share(f - 1) > 0.10, f + ": " + m.share(f));
  }

  @Test
  void theTreesDriverTrafficDoesNotGrowWithTheExecutors() {
    long two = model(2, 1000, Combine.TREE, 25, 675).driverBytesIn();
    long many = model(64, 1000, Combine.TREE, 25, 675).driverBytesIn();
    assertEquals(1000, two);
    assertEquals(two, many);
    assertTrue(
        model(16, 1000, Combine.TREE, 25, 675).averagingSeconds()
            < model(16, 1000, Combine.DRIVER, 25, 675).averagingSeconds());
  }

  @Test
  void inATreeEachExecutorSendsOneSumWhateverItsGpus() {
    // 16 executors x 2 GPUs: the tree is over 16 sums (16 -> 4 reducers -> 1): fan-ins 4 and 4.
    CostModel tree = model(16, 1000, Combine.TREE, 8, 675);
    // The busiest: the broadcast and four sums in, one sum out.
    assertEquals(1000 + 4 * 1000 + 1000, tree.busiestExecutorBytes());
    // On the links: the broadcast, 4 + 4 sums, the sum into the driver; 1000 bytes at 8 Gb/s = 1
    // us.
    assertEquals(10e-6, tree.averagingSeconds(), 1e-12);
    // The driver path: the broadcast in, both GPUs' payloads out.
    assertEquals(3000, model(16, 1000, Combine.DRIVER, 8, 675).busiestExecutorBytes());
  }

  @Test
  void fanInsFollowSparksTreeAggregate() {
    // Spark: scale = max(ceil(n^(1/depth)), 2); while n > scale + ceil(n / scale): n /= scale.
    assertEquals(List.of(2), CostModel.treeFanIns(2, 2));
    assertEquals(List.of(4), CostModel.treeFanIns(4, 2));
    assertEquals(List.of(3, 2), CostModel.treeFanIns(6, 2)); // 6 -> 2 reducers -> 1
    assertEquals(List.of(7, 5), CostModel.treeFanIns(32, 2)); // 32 -> 5 reducers -> 1
    assertEquals(List.of(), CostModel.treeFanIns(1, 2));
  }

  @Test
  void impossibleClustersAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> model(0, 1, Combine.TREE, 25, 675));
    assertThrows(IllegalArgumentException.class, () -> model(2, 1, Combine.TREE, 0, 675));
    assertThrows(
        IllegalArgumentException.class, () -> model(2, 1, Combine.TREE, 25, 675).frequencyFor(1.5));
  }

  /** The model's driver bytes are what the averaging counts on a real Spark, both ways. */
  @Test
  void theModelsDriverBytesAreWhatTheAveragingCounts() {
    JavaSparkContext sc = SPARK.context();
    ComputationGraph start = Averaging.tinyNetwork(21);
    long payload = 4 * (start.numParams() + start.getUpdater().getStateViewArray().length());
    for (Combine combine : Combine.values()) {
      for (int workers : new int[] {2, 5}) {
        Settings settings =
            new Settings(
                workers,
                2,
                0,
                TrainConfig.Momentum.AVERAGED,
                TrainConfig.Precision.FP32,
                true,
                TrainConfig.Transport.RESULTS,
                combine,
                2);
        ExactAveragingMaster master = new ExactAveragingMaster(settings);
        SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
        spark.fitPaths(
            sc.parallelize(Averaging.descriptors(workers * 2), 2),
            new Averaging.CountingLoader(
                4, sc.sc().longAccumulator(), sc.sc().collectionAccumulator(), -1, null));
        NodeBytes counted = master.reports().get(0).nodeBytes();
        CostModel model = new CostModel(workers, 1, payload, combine, 2, 25, 675, 4);
        assertEquals(model.driverBytesIn(), counted.driverIn(), combine + ", " + workers);
        assertEquals(model.driverBytesOut(), counted.driverOut(), combine + ", " + workers);
      }
    }
  }
}
