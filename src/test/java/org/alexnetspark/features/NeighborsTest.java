package org.alexnetspark.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.Records;
import org.alexnetspark.testing.UntrainedModel;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alexnet neighbors}: training images used as queries find themselves first, the rest of
 * their neighbours are the nearest by brute force over the features table, and the contact sheet
 * shows each query beside its stored picture.
 */
class NeighborsTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();
  @TempDir static Path dir;

  private static PreparedFashionMnist.Datasets data;
  private static UntrainedModel.Saved model;
  private static URI features;

  @BeforeAll
  static void prepare() {
    TrainingFeatures.Table table = TrainingFeatures.of(HDFS, SPARK);
    data = table.data();
    model = table.model();
    features = table.location();
  }

  @Test
  void aTrainingImageFindsItselfFirstThenItsNearestByBruteForce() throws Exception {
    List<Records.Located> records = Records.of(data.storage(), data.train());
    Records.Located first = records.get(7);
    Records.Located second = records.get(records.size() - 3); // in the other shard
    assertTrue(!first.shard().equals(second.shard()));
    Path local = Files.write(dir.resolve("query.jpg"), first.image().jpeg());
    URI remote = HDFS.uri("/neighbors/queries/second.jpg");
    try (OutputStream out = HDFS.fileSystem().create(new org.apache.hadoop.fs.Path(remote))) {
      out.write(second.image().jpeg());
    }
    Path broken = Files.writeString(dir.resolve("broken.png"), "no picture");
    URI png = HDFS.uri("/neighbors/sheet.png");
    int k = 4;
    NeighborsJob job = new NeighborsJob(model.config(), data.storage());
    NeighborsJob.Request request =
        new NeighborsJob.Request(
            model.location(),
            features,
            data.train(),
            png,
            k,
            List.of(local.toString(), broken.toString(), remote.toString()));
    NeighborsJob.Result result = job.run(SPARK.context(), request, job.check(request));

    assertEquals(1, result.failures().size());
    assertEquals(broken.toString(), result.failures().get(0).image());
    assertEquals(2, result.queries().size());

    // The table's own vectors, for a brute-force search by hand.
    Map<String, float[]> vectors = new HashMap<>();
    for (Row row :
        SparkJobs.session(SPARK.context()).read().parquet(features.toString()).collectAsList()) {
      List<Float> values = row.getList(row.fieldIndex(FeatureJob.FEATURES));
      float[] vector = new float[values.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = values.get(i);
      }
      vectors.put(row.getAs(FeatureJob.KEY), vector);
    }
    assertEquals(records.size(), vectors.size());
    List<Records.Located> queries = List.of(first, second);
    for (int q = 0; q < 2; q++) {
      String key = queries.get(q).image().key();
      List<Neighbor> found = result.queries().get(q).neighbours();
      assertEquals(k, found.size());
      assertEquals(key, found.get(0).key(), "a training image is its own nearest neighbour");
      assertEquals(queries.get(q).shard(), found.get(0).shard());
      assertEquals(queries.get(q).rowGroup(), found.get(0).rowGroup());
      assertEquals(0, found.get(0).distance(), 1e-3 * found.get(1).distance());
      float[] self = vectors.get(key);
      List<String> byHand =
          vectors.keySet().stream()
              .sorted(
                  Comparator.comparingDouble((String other) -> distance(self, vectors.get(other)))
                      .thenComparing(other -> other))
              .limit(k)
              .toList();
      assertEquals(byHand, found.stream().map(Neighbor::key).toList());
      for (int n = 1; n < k; n++) {
        assertEquals(
            distance(self, vectors.get(found.get(n).key())),
            found.get(n).distance(),
            1e-3 * found.get(n).distance());
      }
    }

    // The sheet: one row per answered query, the query then k neighbours; the nearest is the
    // query's own stored image, so its tile equals the query's.
    BufferedImage sheet;
    try (InputStream in = HDFS.fileSystem().open(new org.apache.hadoop.fs.Path(png))) {
      sheet = ImageIO.read(in);
    }
    int gap = ContactSheet.GAP;
    int tile = ContactSheet.TILE;
    assertEquals(gap + (k + 1) * (tile + gap), sheet.getWidth());
    assertEquals(gap + 2 * (tile + ContactSheet.CAPTION + gap), sheet.getHeight());
    for (int row = 0; row < 2; row++) {
      int y = gap + row * (tile + ContactSheet.CAPTION + gap);
      int differing = 0;
      int nonWhite = 0;
      for (int dy = 0; dy < tile; dy++) {
        for (int dx = 0; dx < tile; dx++) {
          int query = sheet.getRGB(gap + dx, y + dy);
          differing += query != sheet.getRGB(gap + tile + gap + dx, y + dy) ? 1 : 0;
          nonWhite += (query & 0xffffff) != 0xffffff ? 1 : 0;
        }
      }
      assertEquals(0, differing, "row " + row);
      assertTrue(nonWhite > tile * tile / 10, "row " + row + " shows a picture");
    }
  }

  private static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
    }
    return Math.sqrt(sum);
  }
}
