package org.alexnetspark.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.Records;
import org.alexnetspark.testing.UntrainedModel;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code alexnet predict --data --output}: a Spark job over a prepared dataset, writing Parquet.
 */
class PredictDatasetTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static PreparedFashionMnist.Datasets data;
  private static UntrainedModel.Saved model;

  @BeforeAll
  static void prepare() {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    model = UntrainedModel.of(HDFS, data);
  }

  @Test
  void theTableHasOneRowPerRecordWithItsKeyAndTheTopClassesOfItsImage() throws Exception {
    URI output = HDFS.uri("/predict-dataset/top3");
    PredictionJob job = new PredictionJob(model.config(), data.storage());
    PredictionJob.Request request =
        new PredictionJob.Request(model.location(), data.validation(), output, Preset.CENTRE, 3);
    PredictionJob.Result result = job.run(SPARK.context(), request, job.check(request));

    List<Records.Located> records = Records.of(data.storage(), data.validation());
    assertEquals(records.size(), result.rows());
    assertEquals(0, result.skipped());
    List<Row> rows =
        SparkJobs.session(SPARK.context()).read().parquet(output.toString()).collectAsList();
    assertEquals(records.size(), rows.size());
    Map<String, Row> byKey = new HashMap<>();
    for (Row row : rows) {
      byKey.put(row.getAs("key"), row);
    }
    assertEquals(records.size(), byKey.size(), "keys must be unique");
    List<Label> labels = Manifest.read(data.storage(), data.train()).labels();
    for (Records.Located record : records) {
      Row row = byKey.get(record.image().key());
      assertTrue(row != null, record.image().key());
      assertEquals(record.image().label(), (int) row.getAs("label"));
      assertEquals(record.image().wnid(), row.getAs("wnid"));
      List<Integer> classes = row.getList(row.fieldIndex("top_classes"));
      List<String> wnids = row.getList(row.fieldIndex("top_wnids"));
      List<String> names = row.getList(row.fieldIndex("top_names"));
      List<Float> probabilities = row.getList(row.fieldIndex("top_probabilities"));
      assertEquals(3, classes.size());
      float sum = 0;
      for (int r = 0; r < 3; r++) {
        assertEquals(labels.get(classes.get(r)).wnid(), wnids.get(r));
        assertEquals(labels.get(classes.get(r)).name(), names.get(r));
        assertTrue(
            r == 0 || probabilities.get(r) <= probabilities.get(r - 1), probabilities.toString());
        sum += probabilities.get(r);
      }
      assertTrue(sum <= 1 + 1e-5, "sum " + sum);
    }

    // One record by hand: its stored JPEG, the centre crop, the network; its row must hold that.
    Records.Located last = records.get(records.size() - 1);
    TrainedModel trained = TrainedModel.load(data.storage(), model.location());
    Image image = new Image();
    assertTrue(JpegDecoder.of(model.config().data().decoder()).decode(last.image().jpeg(), image));
    int side = trained.inputSize();
    float[] input = new float[3 * side * side];
    trained.evaluationAugmenter().apply(Preset.CENTRE, image, null, input, 0);
    float[] expected =
        trained
            .network()
            .outputSingle(false, Nd4j.create(input, new long[] {1, 3, side, side}, 'c'))
            .toFloatVector();
    Integer[] order = new Integer[expected.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Float.compare(expected[b], expected[a]));
    Row row = byKey.get(last.image().key());
    List<Integer> classes = row.getList(row.fieldIndex("top_classes"));
    List<Float> probabilities = row.getList(row.fieldIndex("top_probabilities"));
    assertEquals(List.of(order[0], order[1], order[2]), classes);
    assertArrayEquals(
        new float[] {expected[order[0]], expected[order[1]], expected[order[2]]},
        new float[] {probabilities.get(0), probabilities.get(1), probabilities.get(2)},
        1e-5f);

    // Written atomically: nothing but the table is left beside it.
    FileStatus[] beside = HDFS.fileSystem().listStatus(new Path("/predict-dataset"));
    assertEquals(List.of("top3"), Arrays.stream(beside).map(s -> s.getPath().getName()).toList());
  }

  @Test
  void anExistingOutputIsRefusedBeforeSparkStarts() throws Exception {
    URI output = HDFS.uri("/predict-dataset-existing/out");
    HDFS.fileSystem().mkdirs(new Path(output));
    PredictionJob job = new PredictionJob(model.config(), data.storage());
    Storage.ArtifactExistsException e =
        assertThrows(
            Storage.ArtifactExistsException.class,
            () ->
                job.check(
                    new PredictionJob.Request(
                        model.location(), data.validation(), output, Preset.CENTRE, 5)));
    assertTrue(e.getMessage().contains("--output"), e.getMessage());
  }
}
