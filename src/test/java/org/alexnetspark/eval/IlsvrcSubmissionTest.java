package org.alexnetspark.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.testing.IlsvrcFixture;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.UntrainedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet evaluate --devkit}: the ILSVRC submission file of the ILSVRC-shaped fixture's
 * validation set, against the network run by hand and the fixture's own {@code ILSVRC2012_ID}s.
 */
class IlsvrcSubmissionTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static IlsvrcFixture fixture;
  private static Storage storage;
  private static AlexNetConfig config;

  /** A dataset that is not the devkit's validation set. */
  private static URI other;

  private static URI validation;
  private static URI model;

  @BeforeAll
  static void prepareAndSaveAModel() throws Exception {
    // The fixture on local disk, as ImageNet's archives would be copied there (the in-process HDFS
    // takes about 0.2 s to close each small file of its unpacked tree).
    fixture =
        IlsvrcFixture.write(
            HDFS.configuration(),
            URI.create(
                "file://"
                    + Files.createDirectories(Paths.get("target", "ilsvrc-submission"))
                        .toAbsolutePath()),
            2,
            3);
    // The network's normalisation from the shared Fashion-MNIST training set (stored at 72
    // pixels, as here); its label map is the fixture's.
    PreparedFashionMnist.Datasets shared =
        PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    storage = shared.storage();
    config = AlexNetConfig.load(List.of(UntrainedModel.CONF), List.of("data.shard-bytes=16k"));
    URI tree = fixture.file("tree");
    validation = HDFS.uri("/ilsvrc-submission/val");
    PrepareJob prepare = new PrepareJob(config, storage);
    PrepareJob.Request request =
        new PrepareJob.Request(
            tree, validation, "val", URI.create(tree + "/val_labels.txt"), null, null);
    prepare.run(SPARK.context(), request, prepare.check(request));
    model = HDFS.uri("/ilsvrc-submission/model");
    UntrainedModel.save(
        storage, config, Manifest.read(storage, validation).labels(), shared.train(), model);
    other = shared.validation();
  }

  @Test
  void everyValidationImageHasItsFiveBestIlsvrcIdsInImageOrder() throws Exception {
    URI output = HDFS.uri("/ilsvrc-submission/evaluation");
    EvaluationJob job = new EvaluationJob(config, storage);
    EvaluationJob.Request request =
        new EvaluationJob.Request(
            List.of(model), validation, output, fixture.file(IlsvrcFixture.DEVKIT));
    EvaluationReport report = job.run(SPARK.context(), request, job.check(request));
    URI file = URI.create(output + "/" + IlsvrcSubmission.FILE);
    assertEquals(file.toString(), report.submission());

    // By hand: the ten crops' average of every validation image, its five best outputs, each
    // output's wnid (sorted wnids), and that wnid's ILSVRC2012_ID (its place in meta.mat, from 1).
    List<String> sorted = IlsvrcFixture.CLASSES.stream().map(c -> c[0]).sorted().toList();
    assertNotEquals(sorted, fixture.ilsvrcIds(), "the fixture's IDs are not in sorted order");
    TrainedModel trained = TrainedModel.load(storage, model);
    MinibatchReader reader =
        new MinibatchReader(
            trained::evaluationAugmenter,
            new HadoopConf(HDFS.configuration()),
            new MinibatchReader.Options(config.data().decoder(), 10, Preset.TEN_CROP, 0, 0));
    Map<Integer, String> lines = new TreeMap<>();
    for (Minibatch minibatch :
        MinibatchPlan.of(HDFS.configuration(), Manifest.read(storage, validation), validation, 4)
            .inOrder()) {
      Batch batch = reader.read(minibatch);
      float[][] rows = trained.network().outputSingle(batch.features()).toFloatMatrix();
      for (int i = 0; i < batch.images(); i++) {
        float[] mean = new float[10];
        for (int crop = 0; crop < 10; crop++) {
          for (int c = 0; c < 10; c++) {
            mean[c] += rows[i * 10 + crop][c] / 10;
          }
        }
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        order.sort(Comparator.comparingDouble((Integer c) -> -mean[c]));
        List<String> ids = new ArrayList<>();
        for (int c : order.subList(0, 5)) {
          ids.add(Integer.toString(fixture.ilsvrcIds().indexOf(sorted.get(c)) + 1));
        }
        String key = batch.keys().get(i);
        int n = Integer.parseInt(key.substring(key.length() - 8));
        assertEquals(null, lines.put(n, String.join(" ", ids)), key);
      }
    }
    assertEquals(fixture.validation().size(), lines.size());
    assertEquals(
        List.copyOf(lines.keySet()),
        IntStream.rangeClosed(1, fixture.validation().size()).boxed().toList());
    assertEquals(
        String.join("\n", lines.values()) + "\n",
        storage.readText(file),
        "five ILSVRC2012_IDs per line, best first, ILSVRC2012_val_00000001 first");
  }

  @Test
  void aDatasetThatIsNotTheWholeValidationSetIsRefusedBeforeSpark() throws Exception {
    EvaluationJob.Request request =
        new EvaluationJob.Request(
            List.of(model),
            other,
            HDFS.uri("/ilsvrc-submission/refused"),
            fixture.file(IlsvrcFixture.DEVKIT));
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> new EvaluationJob(config, storage).check(request));
    assertTrue(
        e.getMessage()
            .contains(
                other
                    + " holds "
                    + Manifest.read(storage, other).records()
                    + " images, the ground truth of "
                    + fixture.file(IlsvrcFixture.DEVKIT)
                    + " "
                    + fixture.validation().size()),
        e.getMessage());
  }
}
