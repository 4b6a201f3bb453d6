package org.alexnetspark.train.averaging;

import java.util.HashSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.testing.Averaging;
import org.alexnetspark.testing.LocalSpark;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;

/**
 * Child-JVM part of {@link ExactAveragingRetryIT#aRetriedTaskCountsEachMinibatchOnce}: local[2,3]
 * (three attempts per task); partition 0's first attempt fails whenever it reaches a minibatch
 * {@code .../1/4}, usually after fitting others. Arguments: transport, momentum, combine.
 *
 * <p>With averaged momentum two workers are compared with the sequential average. With local
 * momentum one worker is used, whose replica keeps its momentum from round to round: the result
 * must equal one network fitting all minibatches in order, which fails if a failed attempt's
 * momentum survives into the retry.
 */
public final class RetryScenario {
  public static void main(String[] args) {
    SparkConf conf = LocalSpark.conf("local[2,3]", "retry");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      AtomicInteger failed = new AtomicInteger();
      sc.sc()
          .addSparkListener(
              new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                  if (!end.taskInfo().successful()) {
                    failed.incrementAndGet();
                  }
                }
              });
      TrainConfig.Momentum momentum =
          TrainConfig.Momentum.valueOf(args.length > 1 ? args[1] : "AVERAGED");
      boolean local = momentum == TrainConfig.Momentum.LOCAL;
      Settings settings =
          new Settings(
              local ? 1 : 2,
              5,
              1,
              momentum,
              TrainConfig.Precision.FP32,
              true,
              TrainConfig.Transport.valueOf(args.length > 0 ? args[0] : "RESULTS"),
              TrainConfig.Combine.valueOf(args.length > 2 ? args[2] : "DRIVER"),
              2);
      ComputationGraph start = Averaging.tinyNetwork(5);
      ComputationGraph expected;
      if (local) {
        expected = start.clone();
        for (String descriptor : Averaging.descriptors(25)) {
          expected.fit(Averaging.minibatch(descriptor, 4));
        }
      } else {
        expected = ExactAveragingMasterTest.reference(start, Averaging.descriptors(25), settings);
      }
      LongAccumulator loaded = sc.sc().longAccumulator();
      CollectionAccumulator<String> seen = sc.sc().collectionAccumulator();
      ExactAveragingMaster master = new ExactAveragingMaster(settings);
      SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
      spark.fitPaths(
          sc.parallelize(Averaging.descriptors(25), 2),
          new Averaging.CountingLoader(4, loaded, seen, 0, null));
      boolean equal =
          expected.params().equals(spark.getNetwork().params())
              && (local
                  || expected
                      .getUpdater()
                      .getStateViewArray()
                      .equals(spark.getNetwork().getUpdater().getStateViewArray()));
      System.out.println(
          "RETRY "
              + settings.transport()
              + " "
              + settings.momentum()
              + " "
              + settings.combine()
              + " failedTasks="
              + failed.get()
              + " fitted="
              + master.fittedOnWorkers()
              + " loaded="
              + loaded.value()
              + " distinct="
              + new HashSet<>(seen.value()).size()
              + " equal="
              + equal);
    }
  }
}
