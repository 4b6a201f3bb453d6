package org.alexnetspark.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.Records;
import org.alexnetspark.testing.UntrainedModel;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code alexnet features}: fc7 activations of every image of a dataset, on Spark, as Parquet. */
class FeaturesTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void everyRecordGetsItsLastHiddenLayersActivations() throws Exception {
    TrainingFeatures.Table computed = TrainingFeatures.of(HDFS, SPARK);
    PreparedFashionMnist.Datasets data = computed.data();
    UntrainedModel.Saved model = computed.model();
    URI output = computed.location();
    FeatureTable table = computed.written();

    List<Records.Located> records = Records.of(data.storage(), data.train());
    int width = model.config().model().scaled().fcWidth();
    assertEquals(64, width, "the width of the test configuration's FC layers");
    assertEquals(records.size(), table.rows());
    assertEquals(width, table.width());
    assertEquals(table, FeatureTable.read(data.storage(), output));

    List<Row> rows =
        SparkJobs.session(SPARK.context()).read().parquet(output.toString()).collectAsList();
    assertEquals(records.size(), rows.size());
    Map<String, Row> byKey = new HashMap<>();
    long zeros = 0;
    for (Row row : rows) {
      byKey.put(row.getAs(FeatureJob.KEY), row);
      List<Float> vector = row.getList(row.fieldIndex(FeatureJob.FEATURES));
      assertEquals(width, vector.size());
      for (float value : vector) {
        assertTrue(value >= 0, "after ReLU: " + value);
        zeros += value == 0 ? 1 : 0;
      }
    }
    assertTrue(
        zeros > 0 && zeros < (long) rows.size() * width, "some units off, not all: " + zeros);
    for (Records.Located record : records) {
      Row row = byKey.get(record.image().key());
      assertEquals(record.image().label(), (int) row.getAs(FeatureJob.LABEL));
      assertEquals(record.image().wnid(), row.getAs(FeatureJob.WNID));
      assertEquals(record.shard(), row.getAs(FeatureJob.SHARD));
      assertEquals(record.rowGroup(), (int) row.getAs(FeatureJob.ROW_GROUP));
    }

    // One image by hand: fc6's activations from the network, then fc7 = relu(fc6 W + b).
    Records.Located one = records.get(records.size() / 2);
    TrainedModel trained = TrainedModel.load(data.storage(), model.location());
    Image image = new Image();
    assertTrue(JpegDecoder.of(model.config().data().decoder()).decode(one.image().jpeg(), image));
    int side = trained.inputSize();
    float[] input = new float[3 * side * side];
    trained.evaluationAugmenter().apply(Preset.CENTRE, image, null, input, 0);
    ComputationGraph network = trained.network();
    INDArray fc6 =
        network
            .feedForward(Nd4j.create(input, new long[] {1, 3, side, side}, 'c'), false)
            .get("fc6");
    float[] expected =
        fc6.mmul(network.getParam(AlexNet.FEATURES + "_W"))
            .addRowVector(network.getParam(AlexNet.FEATURES + "_b"))
            .toFloatVector();
    List<Float> actual =
        byKey
            .get(one.image().key())
            .getList(byKey.get(one.image().key()).fieldIndex(FeatureJob.FEATURES));
    for (int i = 0; i < width; i++) {
      assertEquals(
          Math.max(0, expected[i]),
          actual.get(i),
          1e-4f * (1 + Math.abs(expected[i])),
          "unit " + i);
    }
  }
}
