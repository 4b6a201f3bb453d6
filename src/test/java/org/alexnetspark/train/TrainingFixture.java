package org.alexnetspark.train;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;

/**
 * A few hundred Fashion-MNIST photos prepared on a test class's in-process HDFS, and training runs
 * on them with the small configuration of the tests.
 */
final class TrainingFixture {
  private final MiniHdfs hdfs;
  private final LocalSpark spark;
  final PreparedFashionMnist.Datasets data;
  final Storage storage;

  TrainingFixture(MiniHdfs hdfs, LocalSpark spark) {
    this.hdfs = hdfs;
    this.spark = spark;
    this.data = PreparedFashionMnist.of(hdfs, spark.context(), 60, 20, 72);
    this.storage = data.storage();
  }

  /** The small training configuration of the tests, with {@code overrides}. */
  static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(
        List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of(overrides));
  }

  /** {@code a} followed by {@code b}. */
  static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }

  /** Training on the prepared sets into {@code output}, a path of the in-process HDFS. */
  TrainJob.Request request(String output, boolean resume) {
    return new TrainJob.Request(data.train(), data.validation(), hdfs.uri(output), resume, null);
  }

  /** Checks and runs {@code job} into {@code output}. */
  TrainJob.Result train(TrainJob job, String output, boolean resume) throws IOException {
    TrainJob.Request request = request(output, resume);
    return job.run(spark.context(), request, job.check(request));
  }

  /** The round lines of {@code output}'s metrics.jsonl. */
  List<RoundMetrics> rounds(String output) throws IOException {
    return MetricsLog.read(storage, hdfs.uri(output)).stream()
        .filter(RoundMetrics.class::isInstance)
        .map(RoundMetrics.class::cast)
        .toList();
  }
}
