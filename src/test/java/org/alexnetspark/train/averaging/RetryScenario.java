package org.alexnetspark.train.averaging;

import java.util.HashSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.spark.KryoRegistration;
import org.alexnetspark.testing.Averaging;
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
 * (three attempts per task); in every round, partition 0's first attempt fails at its second
 * minibatch, after fitting the first.
 */
public final class RetryScenario {
  public static void main(String[] args) {
    SparkConf conf =
        new SparkConf()
            .setMaster("local[2,3]")
            .setAppName("retry")
            .set("spark.ui.enabled", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.local.dir", "target/spark-local")
            .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
            .set("spark.kryo.registrator", KryoRegistration.class.getName())
            .set("spark.kryoserializer.buffer.max", "2047m");
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
      Settings settings =
          new Settings(
              2,
              5,
              1,
              TrainConfig.Momentum.AVERAGED,
              TrainConfig.Precision.FP32,
              true,
              TrainConfig.Transport.valueOf(args.length > 0 ? args[0] : "RESULTS"));
      ComputationGraph start = Averaging.tinyNetwork(5);
      ComputationGraph expected =
          ExactAveragingMasterTest.reference(start, Averaging.descriptors(25), settings);
      LongAccumulator loaded = sc.sc().longAccumulator();
      CollectionAccumulator<String> seen = sc.sc().collectionAccumulator();
      ExactAveragingMaster master = new ExactAveragingMaster(settings);
      SparkComputationGraph spark = new SparkComputationGraph(sc, start.clone(), master);
      spark.fitPaths(
          sc.parallelize(Averaging.descriptors(25), 2),
          new Averaging.CountingLoader(4, loaded, seen, 0, null));
      boolean equal =
          expected.params().equals(spark.getNetwork().params())
              && expected
                  .getUpdater()
                  .getStateViewArray()
                  .equals(spark.getNetwork().getUpdater().getStateViewArray());
      System.out.println(
          "RETRY "
              + settings.transport()
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
