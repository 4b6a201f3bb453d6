package org.alexnetspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.testing.ClusterFashionMnist;
import org.alexnetspark.testing.ScriptedCluster;
import org.alexnetspark.train.CheckpointStore;
import org.alexnetspark.train.EpochMetrics;
import org.alexnetspark.train.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The stages users run on a cluster, submitted the way they submit them: {@code jobs/yarn/}
 * scripts, the cluster jar, {@code conf/spark-defaults.conf}, a standalone master with two GPU
 * workers and HDFS on loopback. Prepares Fashion-MNIST (training tree and a flat validation folder
 * with a labels file), computes its statistics, trains three epochs, and checks what each stage
 * left on HDFS.
 */
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class ClusterSmokeIT {
  @RegisterExtension static final ScriptedCluster CLUSTER = new ScriptedCluster();

  @Test
  void preparesSummarisesAndTrainsThroughTheYarnScripts() throws Exception {
    ClusterFashionMnist.Prepared data = ClusterFashionMnist.of(CLUSTER);
    Storage storage = CLUSTER.storage();

    Manifest train = Manifest.read(storage, data.train());
    assertEquals(10L * ClusterFashionMnist.TRAIN_PER_CLASS, train.records());
    assertEquals(10, train.labels().size());
    assertTrue(train.rejected().isEmpty(), train.rejected().toString());
    assertTrue(train.shards().size() > 1, "several shards: " + train.shards());
    Manifest validation = Manifest.read(storage, data.validation());
    assertEquals(10L * ClusterFashionMnist.VAL_PER_CLASS, validation.records());
    assertEquals(train.labels(), validation.labels(), "the training set's label map");
    DatasetStats stats = DatasetStats.read(storage, data.train());
    assertEquals(train.records(), stats.images());
    assertTrue(storage.exists(DatasetStats.beside(data.train(), DatasetStats.MEAN_IMAGE_FILE)));

    ScriptedCluster.Submission run = ClusterFashionMnist.uninterruptedRun(CLUSTER);
    URI output = CLUSTER.hdfs("/runs/uninterrupted");
    List<EpochMetrics> epochs =
        MetricsLog.read(storage, output).stream()
            .filter(EpochMetrics.class::isInstance)
            .map(EpochMetrics.class::cast)
            .toList();
    assertEquals(3, epochs.size(), "one metrics line per epoch");
    for (EpochMetrics epoch : epochs) {
      assertTrue(epoch.plannedMinibatches() > 0, epoch.toString());
      assertEquals(
          epoch.plannedMinibatches(),
          epoch.fittedMinibatches(),
          "every minibatch fitted exactly once: " + epoch);
      assertEquals(0, epoch.skippedImages(), epoch.toString());
    }
    double top1 = epochs.get(2).valTop1();
    assertTrue(top1 > 0.3, "validation top-1 " + top1 + " after three epochs (chance: 0.1)");

    ModelStore.StoredModel model = new ModelStore(storage).load(Locations.child(output, "model"));
    assertEquals(3, model.info().epochs());
    assertEquals(3 * train.records(), model.info().images(), "every image once per epoch");
    INDArray parameters = model.network().params();
    assertTrue(Double.isFinite(parameters.sumNumber().doubleValue()), "finite parameters");
    CheckpointStore.Checkpoint last = new CheckpointStore(storage, output, 50).latest();
    assertEquals(3, last.state().epoch(), "the last checkpoint is the end of epoch 3");
    assertTrue(storage.exists(Locations.child(output, "curves.png")));

    // Every stage ran as an application of the standalone master, with executors in their own
    // JVMs on both workers.
    Map<String, String> apps = CLUSTER.cluster().applications();
    for (String name : List.of("alexnet prepare", "alexnet stats", "alexnet train")) {
      assertTrue(
          apps.values().stream().anyMatch(app -> app.startsWith(name)), name + " among " + apps);
    }
    String trainApp =
        apps.entrySet().stream()
            .filter(e -> e.getValue().startsWith("alexnet train"))
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    for (int worker = 1; worker <= 2; worker++) {
      assertTrue(
          Files.isDirectory(CLUSTER.logs().resolve("worker-" + worker + "/work/" + trainApp)),
          "an executor of " + trainApp + " on worker " + worker);
    }
    assertFalse(run.output().contains("Exception in thread \"main\""), run.tail(50));
  }

  @Test
  void aWorkerGivenAGpuThatNd4jCannotUseStopsTheJobNamingIt() throws Exception {
    ClusterFashionMnist.of(CLUSTER);
    ScriptedCluster.Submission run =
        ClusterFashionMnist.trainJob(CLUSTER, "/runs/cpu-fallback")
            .args("--set", "gpu.allow-cpu-fallback=false")
            .run(Duration.ofMinutes(10));
    assertEquals(1, run.exitCode(), run.tail(60));
    String output = run.output();
    // The worker's message, printed by the driver first and alone, not inside Spark's "Job
    // aborted due to stage failure".
    assertTrue(
        output.lines().anyMatch(line -> line.matches("train: executor \\S+ on host .*")),
        run.tail(60));
    assertTrue(
        output.contains("was given GPU address ")
            && output.contains("the application jar holds no CUDA backend (it is a CPU build")
            && output.contains("the image of docker/Dockerfile.gpu has CUDA 11.8 and cuDNN 8")
            && output.contains("set gpu.allow-cpu-fallback = true"),
        run.tail(60));
    assertFalse(output.contains("train: failed: "), run.tail(60));
    assertFalse(
        CLUSTER.storage().exists(CLUSTER.hdfs("/runs/cpu-fallback/model")), "nothing was trained");
  }
}
