package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.config.TrainConfig.Momentum;
import org.alexnetspark.config.TrainConfig.Precision;
import org.alexnetspark.testing.Averaging;
import org.alexnetspark.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
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

/** {@link Combine#TREE}: results added up among executors, on a real local Spark. */
class TreeCombineTest {
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  static final int BATCH = ExactAveragingMasterTest.BATCH;

  private static Settings settings(int workers, Precision precision, Combine combine, int depth) {
    return settings(workers, precision, combine, depth, TrainConfig.Transport.RESULTS);
  }

  private static Settings settings(
      int workers,
      Precision precision,
      Combine combine,
      int depth,
      TrainConfig.Transport transport) {
    return new Settings(
        workers, 5, 1, Momentum.AVERAGED, precision, true, transport, combine, depth);
  }

  private record Run(
      ExactAveragingMaster master, ComputationGraph network, long loaded, int seen) {}

  private static Run fit(Settings settings, ComputationGraph start, int n) {
    JavaSparkContext sc = SPARK.context();
    LongAccumulator loaded = sc.sc().longAccumulator();
    CollectionAccumulator<String> seen = sc.sc().collectionAccumulator();
    ExactAveragingMaster master = new ExactAveragingMaster(settings);
    SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
    spark.fitPaths(
        sc.parallelize(Averaging.descriptors(n), 2),
        new Averaging.CountingLoader(BATCH, loaded, seen, -1, null));
    return new Run(master, spark.getNetwork(), loaded.value(), new HashSet<>(seen.value()).size());
  }

  private static double relativeDistance(INDArray a, INDArray b) {
    return a.sub(b).norm2Number().doubleValue() / Math.max(1e-12, b.norm2Number().doubleValue());
  }

  @ParameterizedTest(name = "{0} descriptors, {1} workers, depth {2}, transport {3}")
  @CsvSource({"23,2,2,RESULTS", "40,4,2,BLOCKS", "60,6,3,RESULTS"})
  void theTreeGivesTheDriversAverageAndFitsEachMinibatchOnce(
      int n, int workers, int depth, TrainConfig.Transport transport) {
    ComputationGraph start = Averaging.tinyNetwork(11);
    Settings tree = settings(workers, Precision.FP32, Combine.TREE, depth, transport);
    ComputationGraph expected =
        ExactAveragingMasterTest.reference(start, Averaging.descriptors(n), tree);
    Run onDriver = fit(settings(workers, Precision.FP32, Combine.DRIVER, 2), start, n);
    Run inTree = fit(tree, start, n);

    assertEquals(n, inTree.loaded());
    assertEquals(n, inTree.seen());
    assertEquals(n, inTree.master().fittedOnWorkers());
    assertEquals(n, inTree.master().reports().stream().mapToLong(RoundReport::fitted).sum());
    double toReference = relativeDistance(inTree.network().params(), expected.params());
    double toDriver = relativeDistance(inTree.network().params(), onDriver.network().params());
    double momentum =
        relativeDistance(
            inTree.network().getUpdater().getStateViewArray(),
            onDriver.network().getUpdater().getStateViewArray());
    System.out.printf(
        "tree depth %d, %d workers: |tree - sequential| %.2e, |tree - driver| %.2e (momentum"
            + " %.2e)%n",
        depth, workers, toReference, toDriver, momentum);
    assertTrue(toReference < 1e-5, "tree vs sequential average: " + toReference);
    assertTrue(toDriver < 1e-5, "tree vs driver path: " + toDriver);
    assertTrue(momentum < 1e-5, "momentum, tree vs driver path: " + momentum);
  }

  @Test
  void halfPrecisionSumsStayCloseToTheDriversAverage() {
    ComputationGraph start = Averaging.tinyNetwork(12);
    Run onDriver = fit(settings(4, Precision.FP16, Combine.DRIVER, 2), start, 40);
    Run inTree = fit(settings(4, Precision.FP16, Combine.TREE, 2), start, 40);
    INDArray moved = onDriver.network().params().sub(start.params());
    double relative =
        inTree.network().params().sub(onDriver.network().params()).norm2Number().doubleValue()
            / moved.norm2Number().doubleValue();
    System.out.println("fp16, tree vs driver: |difference| / |change of parameters| = " + relative);
    assertTrue(relative < 2e-3, "relative difference " + relative);
  }

  @Test
  void theDriverReceivesOneSumPerRoundWhateverTheWorkers() {
    ComputationGraph start = Averaging.tinyNetwork(13);
    long payload = 4 * (start.numParams() + start.getUpdater().getStateViewArray().length());
    for (int workers : new int[] {2, 6}) {
      Run tree = fit(settings(workers, Precision.FP32, Combine.TREE, 2), start, workers * 5);
      Run driver = fit(settings(workers, Precision.FP32, Combine.DRIVER, 2), start, workers * 5);
      NodeBytes inTree = tree.master().reports().get(0).nodeBytes();
      NodeBytes onDriver = driver.master().reports().get(0).nodeBytes();
      System.out.println(workers + " workers: tree " + inTree + "; driver " + onDriver);
      assertEquals(payload, inTree.driverIn(), "tree: one sum into the driver");
      assertEquals(workers * payload, onDriver.driverIn(), "driver: every worker's result");
      assertEquals(payload, inTree.driverOut(), "the broadcast, once");
      assertEquals(payload, onDriver.driverOut(), "the broadcast, once");
    }
  }

  @Test
  void aPoisonedSliceIsNamedAndRefusedInTheTree() {
    JavaSparkContext sc = SPARK.context();
    List<String> descriptors = Averaging.descriptors(10);
    String poisoned = descriptors.get(7); // second worker's slice
    Averaging.CountingLoader loader =
        new Averaging.CountingLoader(
            BATCH, sc.sc().longAccumulator(), sc.sc().collectionAccumulator(), -1, poisoned);
    Settings lenientSettings =
        new Settings(
            2,
            5,
            1,
            Momentum.AVERAGED,
            Precision.FP32,
            false,
            TrainConfig.Transport.RESULTS,
            Combine.TREE,
            2);
    ExactAveragingMaster lenient = new ExactAveragingMaster(lenientSettings);
    SparkComputationGraph spark = new SparkComputationGraph(sc, Averaging.tinyNetwork(4), lenient);
    spark.fitPaths(sc.parallelize(descriptors, 2), loader);
    RoundReport round = lenient.reports().get(0);
    assertEquals(1, round.problems().size(), round.problems().toString());
    assertTrue(round.problems().get(0).startsWith("slice 1 "), round.problems().get(0));
    assertTrue(round.problems().get(0).contains("NaN"), round.problems().get(0));
    assertEquals(1, round.averaged());
    assertEquals(5, round.fitted());
    assertTrue(Double.isFinite(spark.getNetwork().params().sumNumber().doubleValue()));

    ComputationGraph network = Averaging.tinyNetwork(4);
    INDArray before = network.params().dup();
    ExactAveragingMaster strict =
        new ExactAveragingMaster(settings(2, Precision.FP32, Combine.TREE, 2));
    SparkComputationGraph refused = new SparkComputationGraph(sc, network, strict);
    assertThrows(
        ExactAveragingMaster.NonFiniteResultException.class,
        () -> refused.fitPaths(sc.parallelize(descriptors, 2), loader));
    assertEquals(before, network.params(), "a refused round is not applied");
  }

  @Test
  void aSumThatOverflowsIsRefusedNamingItsSlices() {
    INDArray big = Nd4j.valueArrayOf(new long[] {1, 10}, Float.MAX_VALUE, DataType.FLOAT);
    PartialSum a = PartialSum.of(result(big, 3), 0);
    PartialSum b = PartialSum.of(result(big, 4), 1);
    PartialSum sum = PartialSum.add(a, b, Precision.FP32);
    assertNull(sum.parameters);
    assertEquals(0, sum.averaged);
    assertEquals(7, sum.fittedAll);
    assertEquals(1, sum.problems.size(), sum.problems.toString());
    assertTrue(sum.problems.get(0).startsWith("sum of slices [0, 1]"), sum.problems.get(0));
    assertTrue(sum.problems.get(0).contains("10 infinite of 10"), sum.problems.get(0));

    INDArray small = Nd4j.valueArrayOf(new long[] {1, 10}, 1.5f, DataType.FLOAT);
    PartialSum fine =
        PartialSum.add(
            PartialSum.of(result(small, 2), 2), PartialSum.of(result(small, 2), 3), Precision.FP32);
    INDArray decoded = Nd4j.zeros(DataType.FLOAT, 1, 10);
    fine.parameters.decodeInto(decoded);
    assertEquals(Nd4j.valueArrayOf(new long[] {1, 10}, 3f, DataType.FLOAT), decoded);
    assertEquals(2, fine.averaged);
    assertEquals(4, fine.fitted);
  }

  private static ExactResult result(INDArray parameters, int fitted) {
    return new ExactResult(
        "run",
        0,
        0,
        0,
        "1",
        fitted,
        fitted,
        fitted * 0.5,
        true,
        null,
        Payload.encode(parameters, Precision.FP32),
        null,
        false,
        new double[ExactResult.TIMINGS.length],
        false,
        null,
        null);
  }
}
