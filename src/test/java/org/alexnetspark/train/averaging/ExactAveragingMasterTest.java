package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.testing.Averaging;
import org.alexnetspark.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link ExactAveragingMaster} on a real local[2] Spark. */
class ExactAveragingMasterTest {
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  static final int WORKERS = 2;
  static final int FREQUENCY = 5;
  static final int BATCH = 4;

  /** Settings with results returned as task results. */
  static Settings settings(
      TrainConfig.Momentum momentum, TrainConfig.Precision precision, boolean fail) {
    return new Settings(
        WORKERS, FREQUENCY, 1, momentum, precision, fail, TrainConfig.Transport.RESULTS);
  }

  /** What the master must compute, done sequentially in this JVM without Spark. */
  static ComputationGraph reference(ComputationGraph start, List<String> descriptors, Settings s) {
    ComputationGraph network = start.clone();
    INDArray localMomentum = null;
    for (int from = 0; from < descriptors.size(); from += s.workers() * s.frequency()) {
      List<List<String>> slices =
          ExactAveragingMaster.slices(
              descriptors.subList(
                  from, Math.min(descriptors.size(), from + s.workers() * s.frequency())),
              s.workers(),
              s.frequency());
      INDArray params = Nd4j.zeros(DataType.FLOAT, network.params().shape());
      INDArray state = Nd4j.zeros(DataType.FLOAT, network.getUpdater().getStateViewArray().shape());
      for (List<String> slice : slices) {
        ComputationGraph replica = network.clone();
        for (String descriptor : slice) {
          replica.fit(Averaging.minibatch(descriptor, BATCH));
        }
        params.addi(replica.params());
        state.addi(replica.getUpdater().getStateViewArray());
      }
      network.params().assign(params.divi(slices.size()));
      network.getUpdater().getStateViewArray().assign(state.divi(slices.size()));
    }
    return network;
  }

  @ParameterizedTest(name = "{0} descriptors in {1} partitions, results as {2}")
  @CsvSource({
    "7,2,RESULTS",
    "10,2,RESULTS",
    "11,2,RESULTS",
    "13,2,RESULTS",
    "19,2,RESULTS",
    "20,2,RESULTS",
    "21,2,RESULTS",
    "29,2,RESULTS",
    "39,2,RESULTS",
    "30,3,RESULTS",
    "60,4,RESULTS",
    "13,2,BLOCKS",
    "39,2,BLOCKS",
    "60,4,BLOCKS"
  })
  void everyDescriptorIsFittedExactlyOnceAndTheAverageIsExact(
      int n, int partitions, TrainConfig.Transport transport) throws InterruptedException {
    JavaSparkContext sc = SPARK.context();
    LongAccumulator loaded = sc.sc().longAccumulator();
    CollectionAccumulator<String> seen = sc.sc().collectionAccumulator();
    Settings settings =
        new Settings(
            WORKERS,
            FREQUENCY,
            1,
            TrainConfig.Momentum.AVERAGED,
            TrainConfig.Precision.FP32,
            true,
            transport);
    ExactAveragingMaster master = new ExactAveragingMaster(settings);
    ComputationGraph start = Averaging.tinyNetwork(1);
    ComputationGraph expected = reference(start, Averaging.descriptors(n), settings);
    SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);

    spark.fitPaths(
        sc.parallelize(Averaging.descriptors(n), partitions),
        new Averaging.CountingLoader(BATCH, loaded, seen, -1, null));

    System.out.println(
        String.format(
            Locale.ROOT,
            "exact master (%s), W=%d F=%d: handed %d in %d "
                + "partitions -> loaded %d, distinct %d, fitted (accumulator) %d, rounds %d",
            transport,
            WORKERS,
            FREQUENCY,
            n,
            partitions,
            loaded.value(),
            new HashSet<>(seen.value()).size(),
            master.fittedOnWorkers(),
            master.reports().size()));
    assertEquals(n, loaded.value());
    assertEquals(n, new HashSet<>(seen.value()).size());
    assertEquals(n, master.fittedOnWorkers());
    assertEquals(n, master.reports().stream().mapToLong(RoundReport::fitted).sum());
    assertEquals((n + 9) / 10, master.reports().size());
    for (RoundReport r : master.reports()) {
      assertTrue(r.tasks() <= WORKERS && r.descriptors() <= WORKERS * FREQUENCY);
    }
    assertEquals(List.of(), blocksLeft("test_exact-"), "no result block left behind");
    assertEquals(
        expected.params(), spark.getNetwork().params(), "parameters: the sequential average");
    assertEquals(
        expected.getUpdater().getStateViewArray(),
        spark.getNetwork().getUpdater().getStateViewArray(),
        "momentum: the sequential average");
  }

  @Test
  void slicesNeverExceedTheFrequencyAndCoverEveryDescriptorOnce() {
    for (int n = 1; n <= 40; n++) {
      List<String> descriptors = Averaging.descriptors(n).subList(0, Math.min(n, 8 * 5));
      if (descriptors.size() > 8 * 5) {
        continue;
      }
      List<List<String>> slices = ExactAveragingMaster.slices(descriptors, 8, 5);
      List<String> flat = new ArrayList<>();
      slices.forEach(flat::addAll);
      assertEquals(descriptors, flat);
      for (List<String> slice : slices) {
        assertTrue(!slice.isEmpty() && slice.size() <= 5);
      }
      int max = slices.stream().mapToInt(List::size).max().orElse(0);
      int min = slices.stream().mapToInt(List::size).min().orElse(0);
      assertTrue(max - min <= 1, "balanced");
    }
  }

  @Test
  void replicasAreKeptBetweenRoundsAndJobs() {
    JavaSparkContext sc = SPARK.context();
    ExactAveragingMaster master =
        new ExactAveragingMaster(
            settings(TrainConfig.Momentum.LOCAL, TrainConfig.Precision.FP32, true));
    SparkComputationGraph spark = new SparkComputationGraph(sc, Averaging.tinyNetwork(2), master);
    Averaging.CountingLoader loader =
        new Averaging.CountingLoader(
            BATCH, sc.sc().longAccumulator(), sc.sc().collectionAccumulator(), -1, null);
    for (int job = 0; job < 3; job++) {
      spark.fitPaths(sc.parallelize(Averaging.descriptors(30), 2), loader);
    }
    int created = master.reports().stream().mapToInt(RoundReport::replicasCreated).sum();
    assertEquals(9, master.reports().size());
    assertTrue(created <= WORKERS, created + " replicas built in 9 rounds of 2 tasks");
  }

  @Test
  void halfPrecisionTransferStaysCloseToTheExactAverage() {
    JavaSparkContext sc = SPARK.context();
    Settings settings =
        new Settings(
            WORKERS,
            FREQUENCY,
            1,
            TrainConfig.Momentum.AVERAGED,
            TrainConfig.Precision.FP16,
            true,
            TrainConfig.Transport.BLOCKS);
    ComputationGraph start = Averaging.tinyNetwork(3);
    ComputationGraph expected = reference(start, Averaging.descriptors(40), settings);
    ExactAveragingMaster master = new ExactAveragingMaster(settings);
    SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
    spark.fitPaths(
        sc.parallelize(Averaging.descriptors(40), 2),
        new Averaging.CountingLoader(
            BATCH, sc.sc().longAccumulator(), sc.sc().collectionAccumulator(), -1, null));

    INDArray moved = expected.params().sub(start.params());
    INDArray error = spark.getNetwork().params().sub(expected.params());
    double relative = error.norm2Number().doubleValue() / moved.norm2Number().doubleValue();
    System.out.println("fp16 transfer: |error| / |change of parameters| = " + relative);
    assertTrue(relative < 2e-3, "relative error " + relative);
    long fp32 = 4L * start.numParams();
    assertTrue(master.reports().get(0).bytesToWorkers() < fp32 * 2 * 0.55, "half the bytes");
  }

  @Test
  void nonFiniteResultsAreReportedAndLeftOutOrRefused() {
    JavaSparkContext sc = SPARK.context();
    List<String> descriptors = Averaging.descriptors(10);
    String poisoned = descriptors.get(7); // in the second worker's slice
    Averaging.CountingLoader loader =
        new Averaging.CountingLoader(
            BATCH, sc.sc().longAccumulator(), sc.sc().collectionAccumulator(), -1, poisoned);

    ExactAveragingMaster lenient =
        new ExactAveragingMaster(
            settings(TrainConfig.Momentum.AVERAGED, TrainConfig.Precision.FP32, false));
    SparkComputationGraph spark = new SparkComputationGraph(sc, Averaging.tinyNetwork(4), lenient);
    spark.fitPaths(sc.parallelize(descriptors, 2), loader);
    RoundReport round = lenient.reports().get(0);
    assertEquals(1, round.problems().size(), round.problems().toString());
    assertTrue(round.problems().get(0).contains("NaN"), round.problems().get(0));
    assertEquals(1, round.averaged());
    assertEquals(5, round.fitted());
    assertTrue(Double.isFinite(spark.getNetwork().params().sumNumber().doubleValue()));

    ExactAveragingMaster strict =
        new ExactAveragingMaster(
            settings(TrainConfig.Momentum.AVERAGED, TrainConfig.Precision.FP32, true));
    ComputationGraph network = Averaging.tinyNetwork(4);
    INDArray before = network.params().dup();
    SparkComputationGraph refused = new SparkComputationGraph(sc, network, strict);
    assertThrows(
        ExactAveragingMaster.NonFiniteResultException.class,
        () -> refused.fitPaths(sc.parallelize(descriptors, 2), loader));
    assertEquals(before, network.params(), "a refused round is not applied");
  }

  /**
   * A task that fails after fitting a minibatch is retried (local[2,3] in a child JVM: local[2]
   * never retries): partition 0's first attempt fails in each of the 3 rounds. The result is still
   * bitwise the sequential average, and every minibatch counts once.
   */

  /**
   * The blocks with that prefix once Spark has caught up: the master removes a block by asking its
   * executor, and forgets it when the executor reports back, a moment after the round ended.
   */
  private static List<BlockId> blocksLeft(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<BlockId> left = BlockTransport.blocks(prefix);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      left = BlockTransport.blocks(prefix);
    }
    return left;
  }
}
