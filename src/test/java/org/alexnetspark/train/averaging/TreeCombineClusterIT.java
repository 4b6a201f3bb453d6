package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.cluster.LoopbackCluster;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.config.TrainConfig.Momentum;
import org.alexnetspark.config.TrainConfig.Precision;
import org.alexnetspark.spark.KryoRegistration;
import org.alexnetspark.testing.Averaging;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Combine#TREE} on the loopback cluster: two executor JVMs of two cores each, four workers,
 * so two workers per executor. Each executor sends one payload per round (its workers' sum, or the
 * total into the driver), where adding every worker's result in the tree would make one of them
 * send two; the parameters equal the driver path's and every minibatch is fitted once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TreeCombineClusterIT {
  private static final int WORKERS = 4;
  private static final int ROUNDS = 2;

  private record Run(
      ExactAveragingMaster master, ComputationGraph network, long loaded, int seen) {}

  @Test
  void theWorkersOfOneExecutorSendOneSum(@TempDir Path dir) throws Exception {
    try (LoopbackCluster cluster = LoopbackCluster.start(2, 2, "1536m", 0, dir.resolve("cluster"));
        JavaSparkContext sc = new JavaSparkContext(conf(cluster))) {
      awaitExecutors(sc, 2);
      ComputationGraph start = Averaging.tinyNetwork(21);
      long payload = 4 * (start.numParams() + start.getUpdater().getStateViewArray().length());
      int n = WORKERS * 5 * ROUNDS;
      Run tree = fit(sc, Combine.TREE, start, n);
      Run driver = fit(sc, Combine.DRIVER, start, n);

      for (Run run : List.of(tree, driver)) {
        assertEquals(n, run.loaded());
        assertEquals(n, run.seen());
        assertEquals(n, run.master().fittedOnWorkers());
      }
      for (RoundReport round : tree.master().reports()) {
        NodeBytes bytes = round.nodeBytes();
        System.out.println("tree, round " + round.round() + ": " + inOut(bytes));
        Map<String, long[]> executors = bytes.executors();
        assertEquals(2, executors.size(), bytes.toString());
        assertEquals(payload, bytes.driverIn(), "one sum into the driver: " + bytes);
        for (Map.Entry<String, long[]> executor : executors.entrySet()) {
          assertEquals(
              payload,
              executor.getValue()[1],
              "executor " + executor.getKey() + " sends one payload: " + inOut(bytes));
        }
      }
      for (RoundReport round : driver.master().reports()) {
        NodeBytes bytes = round.nodeBytes();
        System.out.println("driver, round " + round.round() + ": " + inOut(bytes));
        assertEquals(WORKERS * payload, bytes.driverIn(), bytes.toString());
        for (long[] executor : bytes.executors().values()) {
          assertEquals(2 * payload, executor[1], "two workers' results: " + inOut(bytes));
        }
      }
      double distance =
          tree.network().params().sub(driver.network().params()).norm2Number().doubleValue()
              / driver.network().params().norm2Number().doubleValue();
      System.out.printf("|tree - driver| / |driver| = %.2e%n", distance);
      assertTrue(distance < 1e-5, "tree vs driver path: " + distance);
    }
  }

  /** Bytes in/out of the driver and each executor. */
  private static String inOut(NodeBytes bytes) {
    StringBuilder s =
        new StringBuilder("driver " + bytes.driverIn() + "/" + bytes.driverOut() + " B in/out");
    bytes
        .executors()
        .forEach(
            (id, b) ->
                s.append(", executor ")
                    .append(id)
                    .append(' ')
                    .append(b[0])
                    .append('/')
                    .append(b[1]));
    return s.toString();
  }

  private static Run fit(JavaSparkContext sc, Combine combine, ComputationGraph start, int n) {
    LongAccumulator loaded = sc.sc().longAccumulator();
    CollectionAccumulator<String> seen = sc.sc().collectionAccumulator();
    ExactAveragingMaster master =
        new ExactAveragingMaster(
            new Settings(
                WORKERS,
                5,
                1,
                Momentum.AVERAGED,
                Precision.FP32,
                true,
                TrainConfig.Transport.RESULTS,
                combine,
                2));
    SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
    spark.fitPaths(
        sc.parallelize(Averaging.descriptors(n), 2),
        new Averaging.CountingLoader(ExactAveragingMasterTest.BATCH, loaded, seen, -1, null));
    return new Run(master, spark.getNetwork(), loaded.value(), new HashSet<>(seen.value()).size());
  }

  private static SparkConf conf(LoopbackCluster cluster) {
    SparkConf conf = new SparkConf(false).setAppName("tree combine");
    cluster.driverSettings().forEach(conf::set);
    return conf.set("spark.cores.max", Integer.toString(WORKERS))
        .set("spark.executor.cores", "2")
        .set("spark.executor.memory", "1g")
        .set("spark.executorEnv.OMP_NUM_THREADS", "1")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", KryoRegistration.class.getName())
        .set("spark.kryoserializer.buffer.max", "2047m");
  }

  /**
   * Waits until the application's status (what the averaging reads its executors from) lists {@code
   * count} executors besides the driver.
   */
  private static void awaitExecutors(JavaSparkContext sc, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (sc.sc().statusTracker().getExecutorInfos().length < count + 1) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("executors registered: " + sc.sc().getExecutorIds());
      }
      Thread.sleep(200);
    }
  }
}
