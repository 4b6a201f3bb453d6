package org.alexnetspark.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.train.TrainJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end tier (two trainings, about a minute): {@code alexnet evaluate} with two models trained
 * here (one epoch each, different seeds), each model's errors and those of their averaged softmax
 * outputs against a computation by hand, and the table beside the paper's rows.
 */
class EnsembleEvaluationIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static PreparedFashionMnist.Datasets data;
  private static Storage storage;
  private static final List<URI> MODELS = new ArrayList<>();

  private static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(
        List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of(overrides));
  }

  @BeforeAll
  static void trainTwoModels() throws Exception {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    storage = data.storage();
    for (int seed : new int[] {42, 43}) {
      TrainJob job =
          new TrainJob(
              config(
                  "train.epochs=1",
                  "model.init.scheme=he",
                  "model.seed=" + seed,
                  "train.seed=" + seed),
              storage);
      TrainJob.Request request =
          new TrainJob.Request(
              data.train(), null, HDFS.uri("/ensemble-eval-it/run-" + seed), false, null);
      MODELS.add(job.run(SPARK.context(), request, job.check(request)).model());
    }
  }

  /** Hits of one way of scoring, counted here. */
  private static final class Hits {
    long top1;
    long top5;

    void add(float[] scores, int truth) {
      int above = 0;
      for (int c = 0; c < scores.length; c++) {
        above += c != truth && scores[c] >= scores[truth] ? 1 : 0;
      }
      top1 += above == 0 ? 1 : 0;
      top5 += above < 5 ? 1 : 0;
    }

    String errors(long images) {
      return String.format(
          Locale.ROOT,
          "%7.1f %7.1f",
          100 * (1 - (double) top1 / images),
          100 * (1 - (double) top5 / images));
    }
  }

  @Test
  void eachModelAndTheirAverageAreCountedAndPrintedBesideThePapersRows() throws Exception {
    EvaluationJob job = new EvaluationJob(config(), storage);
    EvaluationJob.Request request =
        new EvaluationJob.Request(
            MODELS, data.validation(), HDFS.uri("/ensemble-eval-it/two"), null);
    EvaluationReport report = job.run(SPARK.context(), request, job.check(request));

    // By hand: every validation image's ten crops through both networks, averaged here.
    List<TrainedModel> models = new ArrayList<>();
    for (URI model : MODELS) {
      models.add(TrainedModel.load(storage, model));
    }
    Manifest manifest = Manifest.read(storage, data.validation());
    Hits[] centre = {new Hits(), new Hits(), new Hits()};
    Hits[] tenCrop = {new Hits(), new Hits(), new Hits()};
    long images = 0;
    double scoreDifference = 0;
    for (Minibatch minibatch :
        MinibatchPlan.of(HDFS.configuration(), manifest, data.validation(), 9).inOrder()) {
      float[][][] rows = new float[2][][];
      int[] truths = null;
      for (int m = 0; m < 2; m++) {
        TrainedModel model = models.get(m);
        Batch batch =
            new MinibatchReader(
                    model::evaluationAugmenter,
                    new HadoopConf(HDFS.configuration()),
                    new MinibatchReader.Options(
                        config().data().decoder(), 10, Preset.TEN_CROP, 0, 0))
                .read(minibatch);
        rows[m] = model.network().outputSingle(batch.features()).toFloatMatrix();
        truths = batch.classes();
      }
      for (int i = 0; i < truths.length; i++) {
        float[][] tenOf = new float[3][10];
        float[][] centreOf = new float[3][10];
        for (int c = 0; c < 10; c++) {
          for (int m = 0; m < 2; m++) {
            centreOf[m][c] = rows[m][i * 10 + 4][c];
            centreOf[2][c] += rows[m][i * 10 + 4][c] / 2;
            for (int crop = 0; crop < 10; crop++) {
              tenOf[m][c] += rows[m][i * 10 + crop][c] / 10;
              tenOf[2][c] += rows[m][i * 10 + crop][c] / 20;
            }
          }
        }
        for (int c = 0; c < 10; c++) {
          scoreDifference += Math.abs(tenOf[0][c] - tenOf[1][c]);
        }
        for (int k = 0; k < 3; k++) {
          centre[k].add(centreOf[k], truths[i]);
          tenCrop[k].add(tenOf[k], truths[i]);
        }
        images++;
      }
    }
    assertEquals(manifest.records(), images);
    assertEquals(images, report.images());
    assertTrue(report.averaged());
    assertEquals(2, report.models().size());
    for (int m = 0; m < 2; m++) {
      EvaluationReport.ModelResult own = report.models().get(m);
      assertEquals(MODELS.get(m).toString(), own.model());
      assertEquals(1 - (double) centre[m].top1 / images, own.top1Error(), 1e-12);
      assertEquals(1 - (double) centre[m].top5 / images, own.top5Error(), 1e-12);
      assertEquals(1 - (double) tenCrop[m].top1 / images, own.tenCropTop1Error(), 1e-12);
      assertEquals(1 - (double) tenCrop[m].top5 / images, own.tenCropTop5Error(), 1e-12);
    }
    assertEquals(1 - (double) centre[2].top1 / images, report.top1Error(), 1e-12);
    assertEquals(1 - (double) centre[2].top5 / images, report.top5Error(), 1e-12);
    assertEquals(1 - (double) tenCrop[2].top1 / images, report.tenCropTop1Error(), 1e-12);
    assertEquals(1 - (double) tenCrop[2].top5 / images, report.tenCropTop5Error(), 1e-12);
    assertTrue(
        scoreDifference > 0.01 * images,
        "the two models score the images differently, so that their average is a third result: "
            + scoreDifference);

    List<String> table = PaperTable.lines(report);
    table.forEach(line -> System.out.println("EnsembleEvaluationIT: " + line));
    assertTrue(
        table.get(0).contains(String.format(Locale.ROOT, "%,d images", images)), table.get(0));
    assertTrue(table.get(0).contains(data.validation().toString()), table.get(0));
    assertTrue(table.get(0).contains("the paper's rows are ImageNet figures"), table.get(0));
    String[] expected = {
      "model 1", "model 2", "average of the 2 models' softmax",
    };
    for (int k = 0; k < 3; k++) {
      String line = table.get(3 + k);
      assertEquals(
          String.format(Locale.ROOT, "%-42s", expected[k])
              + " "
              + centre[k].errors(images)
              + "   "
              + tenCrop[k].errors(images),
          line);
    }
    assertTrue(
        table.get(6).matches("paper, Table 1: CNN \\(ILSVRC-2010 test\\) +- +- +37\\.5 +17\\.0"),
        table.get(6));
    assertTrue(
        table.get(7).matches("paper, Table 2: 1 CNN \\(ILSVRC-2012 val\\) +- +- +40\\.7 +18\\.2"),
        table.get(7));
    assertTrue(
        table.get(8).matches("paper, Table 2: 5 CNNs \\(ILSVRC-2012 val\\) +- +- +38\\.1 +16\\.4"),
        table.get(8));
    assertEquals("model 1: " + MODELS.get(0), table.get(9));
    assertEquals("model 2: " + MODELS.get(1), table.get(10));
  }
}
