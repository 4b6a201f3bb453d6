package org.alexnetspark.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Json;
import org.alexnetspark.prepare.ImagePreparer;
import org.alexnetspark.testing.CommandRun;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.Records;
import org.alexnetspark.testing.TestImages;
import org.alexnetspark.testing.UntrainedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code alexnet predict IMAGE...} as users run it: real Fashion-MNIST photos (one JPEG on local
 * disk, one PNG on the in-process HDFS) and a file that is no image, in every output format.
 */
class PredictFilesTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();
  @TempDir static Path dir;

  private static PreparedFashionMnist.Datasets data;
  private static URI model;
  private static String jpeg;
  private static byte[] jpegBytes;
  private static String png;
  private static String broken;

  @BeforeAll
  static void files() throws Exception {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    model = UntrainedModel.of(HDFS, data).location();
    List<Records.Located> records = Records.of(data.storage(), data.validation());
    Records.Located first = records.get(0);
    Records.Located second =
        records.stream()
            .filter(r -> r.image().label() != first.image().label())
            .findFirst()
            .orElseThrow();
    jpegBytes = first.image().jpeg();
    jpeg = Files.write(dir.resolve("first photo.jpg"), jpegBytes).toString();
    png = HDFS.uri("/predict-files/second.png").toString();
    byte[] pngBytes =
        TestImages.encode(ImageIO.read(new ByteArrayInputStream(second.image().jpeg())), "png");
    try (OutputStream out = HDFS.fileSystem().create(new org.apache.hadoop.fs.Path(png))) {
      out.write(pngBytes);
    }
    broken = Files.writeString(dir.resolve("broken.jpg"), "this is not a picture").toString();
  }

  private static CommandRun predict(String... args) {
    List<String> all = new ArrayList<>(List.of("predict", "--model", model.toString()));
    all.addAll(List.of(args));
    return CommandRun.of(all);
  }

  @Test
  void jsonHasTheTopClassesOfEachImageAndAnErrorForTheBrokenFile() throws Exception {
    CommandRun run = predict("--format", "json", "--top", "3", jpeg, png, broken);
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.err().contains(broken) && run.err().contains("not an image"), run.err());
    JsonNode array = Json.mapper().readTree(run.out());
    assertEquals(3, array.size(), run.out());
    assertEquals(
        List.of(jpeg, png, broken),
        List.of(
            array.get(0).get("image").asText(),
            array.get(1).get("image").asText(),
            array.get(2).get("image").asText()));
    for (int i = 0; i < 2; i++) {
      JsonNode top = array.get(i).get("top");
      assertEquals(3, top.size());
      assertSortedProbabilities(top);
      for (int r = 0; r < 3; r++) {
        assertEquals(r + 1, top.get(r).get("rank").asInt());
        int c = top.get(r).get("class").asInt();
        assertEquals(labelName(c), top.get(r).get("name").asText());
      }
    }
    assertTrue(array.get(2).get("error").asText().contains("not an image"), run.out());
    assertTrue(array.get(2).get("top") == null);
  }

  @Test
  void theTableListsTheGoodImagesAndStandardErrorNamesTheBrokenOne() throws Exception {
    CommandRun run = predict("--top", "3", jpeg, png, broken);
    assertEquals(1, run.exitCode(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals(1 + 2 * 3, lines.size(), run.out());
    assertTrue(lines.get(0).matches("image +rank +probability +class +wnid +name"), lines.get(0));
    assertTrue(lines.get(1).startsWith(jpeg + "  "), lines.get(1));
    assertTrue(lines.get(4).startsWith(png + "  "), lines.get(4));
    float previous = Float.MAX_VALUE;
    for (int i = 1; i <= 3; i++) {
      // rank, probability, class, wnid, name (the last may hold spaces)
      String[] cells = lines.get(i).substring(jpeg.length()).trim().split(" +", 5);
      assertEquals(Integer.toString(i), cells[0]);
      float probability = Float.parseFloat(cells[1]);
      assertTrue(probability <= previous && probability > 0, lines.get(i));
      previous = probability;
      assertEquals(labelName(Integer.parseInt(cells[2])), cells[4]);
    }
    assertFalse(run.out().contains("broken"), run.out());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("predict: " + broken + ": not an image"), run.err());
  }

  @Test
  void csvHasARowPerImageAndRankAndOneErrorRow() throws Exception {
    CommandRun run = predict("--format", "csv", "--top", "3", jpeg, png, broken);
    assertEquals(1, run.exitCode(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals("image,rank,class,wnid,name,probability,error", lines.get(0));
    assertEquals(1 + 3 + 3 + 1, lines.size(), run.out());
    for (int image = 0; image < 2; image++) {
      float sum = 0;
      float previous = Float.MAX_VALUE;
      for (int r = 0; r < 3; r++) {
        String[] cells = lines.get(1 + image * 3 + r).split(",", -1);
        assertEquals(7, cells.length, lines.get(1 + image * 3 + r));
        assertEquals(image == 0 ? jpeg : png, cells[0]);
        assertEquals(Integer.toString(r + 1), cells[1]);
        assertEquals(labelName(Integer.parseInt(cells[2])), cells[4]);
        float probability = Float.parseFloat(cells[5]);
        assertTrue(probability <= previous && probability > 0);
        previous = probability;
        sum += probability;
        assertEquals("", cells[6]);
      }
      assertTrue(sum <= 1 + 1e-5, "sum " + sum);
    }
    // The error holds a comma, so it is quoted.
    String prefix = broken + ",,,,,,\"not an image (unrecognised content, ";
    assertTrue(lines.get(7).startsWith(prefix) && lines.get(7).endsWith(")\""), lines.get(7));
  }

  @Test
  void tenCropsAverageTheTenCropsSoftmaxRowsAndTheCentreIsTheFifthRow() throws Exception {
    // By hand: the stored image's ten crops through the network, rows averaged.
    TrainedModel trained = TrainedModel.load(data.storage(), model);
    assertEquals(trained.storedSize(), trained.config().data().imageSize());
    ImagePreparer preparer = new ImagePreparer(trained.config().data());
    var image = ((ImagePreparer.Decoded) preparer.decode(jpegBytes)).image();
    int side = trained.inputSize();
    float[] inputs = new float[10 * 3 * side * side];
    trained.evaluationAugmenter().apply(Preset.TEN_CROP, image, null, inputs, 0);
    float[][] rows =
        trained
            .network()
            .outputSingle(false, Nd4j.create(inputs, new long[] {10, 3, side, side}, 'c'))
            .toFloatMatrix();
    float[] centre = rows[4];
    float[] mean = new float[10];
    for (float[] row : rows) {
      for (int c = 0; c < 10; c++) {
        mean[c] += row[c] / 10;
      }
    }
    float[] predictedCentre =
        probabilitiesByClass(predict("--format", "json", "--top", "10", jpeg));
    float[] predictedTen =
        probabilitiesByClass(predict("--format", "json", "--top", "10", "--ten-crop", jpeg));
    assertArrayEquals(centre, predictedCentre, 1e-6f);
    assertArrayEquals(mean, predictedTen, 1e-6f);
    double difference = 0;
    for (int c = 0; c < 10; c++) {
      difference += Math.abs(mean[c] - centre[c]);
    }
    assertTrue(
        difference > 1e-5,
        "ten crops and the centre crop must differ for this test to mean "
            + "anything: "
            + difference);
  }

  @Test
  void aFolderGivesItsImageFilesSortedAndAGlobItsMatches() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("folder"));
    Files.write(
        folder.resolve("b.png"),
        TestImages.encode(ImageIO.read(new ByteArrayInputStream(jpegBytes)), "png"));
    Files.write(folder.resolve("a.JPG"), jpegBytes);
    Files.writeString(folder.resolve("notes.txt"), "not an image");
    Files.write(folder.resolve(".hidden.jpg"), jpegBytes);
    for (String name : List.of("x.jpg", "y.jpg", "z.png")) {
      try (OutputStream out =
          HDFS.fileSystem().create(new org.apache.hadoop.fs.Path("/predict-glob/" + name))) {
        out.write(jpegBytes);
      }
    }
    String glob = HDFS.uri("/predict-glob").toString() + "/*.jpg";
    CommandRun run = predict("--format", "csv", "--top", "1", folder.toString(), glob);
    assertEquals(0, run.exitCode(), run.err());
    List<String> images = run.out().lines().skip(1).map(l -> l.split(",")[0]).toList();
    assertEquals(
        List.of(
            folder.resolve("a.JPG").toString(),
            folder.resolve("b.png").toString(),
            HDFS.uri("/predict-glob/x.jpg").toString(),
            HDFS.uri("/predict-glob/y.jpg").toString()),
        images);

    CommandRun nothing =
        predict("--format", "csv", "--top", "1", dir.resolve("nothing-*.jpg").toString(), jpeg);
    assertEquals(1, nothing.exitCode(), nothing.err());
    assertTrue(nothing.err().contains("no file matches"), nothing.err());
    assertEquals(3, nothing.out().lines().count(), nothing.out());
  }

  @Test
  void missingImagesOrHalfOfTheDatasetOptionsAreUsageErrors() {
    assertEquals(2, predict().exitCode());
    assertEquals(2, predict("--data", data.validation().toString(), jpeg).exitCode());
    assertEquals(2, predict("--format", "xml", jpeg).exitCode());
    assertEquals(2, predict("--top", "0", jpeg).exitCode());
  }

  private static float[] probabilitiesByClass(CommandRun run) throws Exception {
    assertEquals(0, run.exitCode(), run.err());
    JsonNode top = Json.mapper().readTree(run.out()).get(0).get("top");
    assertEquals(10, top.size());
    assertSortedProbabilities(top);
    float[] byClass = new float[10];
    Set<Integer> seen = new HashSet<>();
    for (JsonNode score : top) {
      int c = score.get("class").asInt();
      assertTrue(seen.add(c));
      byClass[c] = (float) score.get("probability").asDouble();
    }
    return byClass;
  }

  private static void assertSortedProbabilities(JsonNode top) {
    double sum = 0;
    double previous = Double.MAX_VALUE;
    for (JsonNode score : top) {
      double p = score.get("probability").asDouble();
      assertTrue(p > 0 && p <= previous, top.toString());
      previous = p;
      sum += p;
    }
    assertTrue(sum <= 1 + 1e-5, "probabilities sum to " + sum);
  }

  /** The name of class {@code index} in the training set's label map. */
  private static String labelName(int index) throws IOException {
    return Manifest.read(data.storage(), data.train()).labels().get(index).name();
  }
}
