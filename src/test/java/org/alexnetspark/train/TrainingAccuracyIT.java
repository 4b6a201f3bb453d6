package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end tier: the job learns. The scaled network with its own configuration
 * (conf/training-accuracy.conf) on 10,000 Fashion-MNIST training images for 6 epochs on local[2],
 * parameter averaging over two workers, must classify 2,000 held-out images far above chance.
 */
class TrainingAccuracyIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void heldOutAccuracyIsFarAboveChance() throws Exception {
    PreparedFashionMnist.Datasets data =
        PreparedFashionMnist.of(HDFS, SPARK.context(), 1000, 200, 76);
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/training-accuracy.conf")), List.of());
    TrainJob job = new TrainJob(config, data.storage());
    TrainJob.Request request =
        new TrainJob.Request(
            data.train(), data.validation(), HDFS.uri("/runs/accuracy"), false, null);
    TrainJob.Result result = job.run(SPARK.context(), request, job.check(request));

    List<EpochMetrics> epochs = result.state().epochs();
    assertEquals(config.train().epochs(), epochs.size());
    double top1 = epochs.get(epochs.size() - 1).valTop1();
    assertTrue(top1 >= 0.70, "validation top-1 " + top1 + " after " + epochs.size() + " epochs");
  }
}
