package org.alexnetspark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.testing.CommandRun;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet evaluate} on a real in-process HDFS and local Spark, against a computation by
 * hand.
 */
class EvaluationJobTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static PreparedFashionMnist.Datasets data;
  private static Storage storage;
  private static AlexNetConfig config;
  private static URI model;

  /** An (untrained) model saved the way training saves one, with the training set's statistics. */
  private static URI saveModel(String where, List<Label> labels) throws Exception {
    return saveModel(where, labels, config);
  }

  private static URI saveModel(String where, List<Label> labels, AlexNetConfig config)
      throws Exception {
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    DatasetStats stats = DatasetStats.read(storage, data.train());
    float[] mean = StatsJob.readMeanImage(storage, data.train());
    URI target = HDFS.uri(where);
    new ModelStore(storage)
        .save(
            network,
            config,
            ModelInfo.trained(labels, 0, 0, 0, data.train().toString(), null, null, null, null),
            target,
            true,
            ModelStore.normalisationFiles(stats, mean));
    return target;
  }

  @BeforeAll
  static void prepare() throws Exception {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    storage = data.storage();
    config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")),
            List.of("train.eval-batch=40"));
    model = saveModel("/eval/model", Manifest.read(storage, data.train()).labels());
  }

  @Test
  void theDistributedResultEqualsAComputationByHandOnTheSameModelAndImages() throws Exception {
    EvaluationJob job = new EvaluationJob(config, storage);
    EvaluationJob.Request request =
        new EvaluationJob.Request(model, data.validation(), HDFS.uri("/eval/report"));
    EvaluationReport report = job.run(SPARK.context(), request, job.check(request));

    // By hand, in this process: every validation image's ten crops through the same network.
    TrainedModel trained = TrainedModel.load(storage, model);
    Manifest manifest = Manifest.read(storage, data.validation());
    MinibatchReader reader =
        new MinibatchReader(
            trained::evaluationAugmenter,
            new HadoopConf(HDFS.configuration()),
            new MinibatchReader.Options(config.data().decoder(), 10, Preset.TEN_CROP, 0, 0));
    long images = 0;
    long centreHits = 0;
    long tenCropHits = 0;
    long[] confusion = new long[100];
    for (Minibatch minibatch :
        MinibatchPlan.of(HDFS.configuration(), manifest, data.validation(), 7).inOrder()) {
      Batch batch = reader.read(minibatch);
      float[][] rows = trained.network().outputSingle(batch.features()).toFloatMatrix();
      for (int i = 0; i < batch.images(); i++) {
        float[] mean = new float[10];
        for (int c = 0; c < 10; c++) {
          for (int crop = 0; crop < 10; crop++) {
            mean[c] += rows[i * 10 + crop][c] / 10;
          }
        }
        int truth = batch.classes()[i];
        centreHits += argmax(rows[i * 10 + 4]) == truth ? 1 : 0;
        tenCropHits += argmax(mean) == truth ? 1 : 0;
        confusion[truth * 10 + argmax(mean)]++;
        images++;
      }
    }
    assertEquals(manifest.records(), images);
    assertEquals(images, report.images());
    assertEquals((double) centreHits / images, report.top1(), 1e-12);
    assertEquals((double) tenCropHits / images, report.tenCropTop1(), 1e-12);
    assertEquals(1 - report.tenCropTop1(), report.tenCropTop1Error(), 1e-12);

    // The files: the report's keys, the confusion matrix (ten crops) and its picture.
    @SuppressWarnings("unchecked")
    Map<String, Object> json =
        Json.read(storage.readText(HDFS.uri("/eval/report/eval.json")), Map.class, "eval.json");
    for (String key : List.of("top1", "top5", "ten_crop_top1", "ten_crop_top5")) {
      double value = ((Number) json.get(key)).doubleValue();
      assertTrue(value >= 0 && value <= 1, key + " = " + value);
    }
    List<String> csv = storage.readText(HDFS.uri("/eval/report/confusion.csv")).lines().toList();
    assertEquals(11, csv.size());
    long[] fromCsv = new long[100];
    for (int t = 0; t < 10; t++) {
      String[] cells = csv.get(t + 1).split(",");
      for (int p = 0; p < 10; p++) {
        fromCsv[t * 10 + p] = Long.parseLong(cells[p + 1]);
      }
    }
    assertArrayEquals(confusion, fromCsv);
    try (InputStream png = HDFS.fileSystem().open(new Path("/eval/report/confusion.png"))) {
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png.readNBytes(4));
    }
    assertEquals(10, report.classes().size());
    assertEquals(
        images, report.classes().stream().mapToLong(EvaluationReport.ClassResult::images).sum());
  }

  @Test
  void aDatasetWithAnotherLabelMapIsRefusedBeforeSparkStarts() throws Exception {
    List<Label> labels = new ArrayList<>(Manifest.read(storage, data.train()).labels());
    List<Label> shuffled = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      Label from = labels.get((i + 1) % labels.size());
      shuffled.add(new Label(i, from.wnid(), from.name()));
    }
    URI other = saveModel("/eval/other-labels", shuffled);
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new EvaluationJob(config, storage)
                    .check(
                        new EvaluationJob.Request(
                            other, data.validation(), HDFS.uri("/eval/refused"))));
    assertTrue(e.getMessage().contains("another label map"), e.getMessage());
  }

  @Test
  void modelsThatCannotBeAveragedAreRefusedBeforeSparkNamingTheModelAndHow() throws Exception {
    // Model 2: another input size and the label map shifted by one class.
    AlexNetConfig other =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")),
            List.of("model.scaled.input-size=71"));
    List<Label> labels = Manifest.read(storage, data.train()).labels();
    List<Label> shifted = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      Label from = labels.get((i + 1) % labels.size());
      shifted.add(new Label(i, from.wnid(), from.name()));
    }
    URI odd = saveModel("/eval/ensemble-odd-model", shifted, other);

    CommandRun run =
        CommandRun.beforeSpark(
            "evaluate",
            "--model",
            model.toString(),
            "--model",
            odd.toString(),
            "--data",
            data.validation().toString(),
            "--output",
            HDFS.uri("/eval/ensemble-refused").toString());
    int code = run.exitCode();
    String err = run.err();
    String message = err;
    assertEquals(2, code, message);
    assertTrue(message.contains("model 2 (" + odd + ") cannot be averaged"), message);
    assertTrue(
        message.contains(
            "its label map differs (class 0 is " + labels.get(1).wnid() + ", model 1's "),
        message);
    assertTrue(message.contains("its input is 71 pixels square, model 1's 67"), message);
    assertFalse(HDFS.fileSystem().exists(new Path("/eval/ensemble-refused")), "nothing written");
  }

  private static int argmax(float[] row) {
    int best = 0;
    for (int c = 1; c < row.length; c++) {
      best = row[c] > row[best] ? c : best;
    }
    return best;
  }
}
