package org.alexnetspark.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardFormat;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.TestImages;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code prepare} rerun after a crash (finished shards and the plan left in the output) with other
 * labels: the rerun is refused before anything is written, naming what differs, so that no shard
 * labelled under the old plan ends up under the new manifest; preparing afresh as the refusal says
 * labels every record by the new label map.
 */
class PrepareResumeIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static FileSystem fs;
  private static Storage storage;

  @BeforeAll
  static void makeInputs() throws IOException {
    fs = HDFS.fileSystem();
    storage = new Storage(HDFS.configuration());
    FashionMnist.tree(HDFS.configuration(), HDFS.uri("/in"), "train", 3);
    FashionMnist.tree(HDFS.configuration(), HDFS.uri("/in"), "val", 2);
  }

  private static AlexNetConfig config() {
    return SmallShards.config("data.max-rejected-fraction=0.5");
  }

  private static Manifest prepare(PrepareJob.Request request) throws IOException {
    return SmallShards.prepare(config(), storage, SPARK.context(), request);
  }

  private static PrepareJob.Request request(
      String input, String output, String split, String labelsFile, String labelMapFrom) {
    return new PrepareJob.Request(
        HDFS.uri(input),
        HDFS.uri(output),
        split,
        labelsFile == null ? null : HDFS.uri(labelsFile),
        null,
        labelMapFrom == null ? null : HDFS.uri(labelMapFrom));
  }

  /**
   * Prepares {@code request}, then leaves its output as a run that died while writing its last
   * shard leaves it: its plan, the other shards finished, no manifest.
   *
   * @return the finished shards' files with their modification times
   */
  private static Map<String, Long> crashedRun(PrepareJob.Request request) throws IOException {
    PrepareJob job = new PrepareJob(config(), storage);
    PreparePlan plan = job.check(request);
    Manifest manifest = job.run(SPARK.context(), request, plan);
    assertTrue(manifest.shards().size() >= 2, "several shards: " + manifest.shards());
    Path output = new Path(request.output());
    fs.delete(new Path(output, ShardFormat.MANIFEST), false);
    fs.delete(new Path(output, manifest.shards().get(manifest.shards().size() - 1).file()), false);
    storage.writeText(
        new Path(output, PrepareJob.PLAN_FILE).toUri(),
        Json.write(PreparePlanner.SavedPlan.of(plan)));
    return files(output);
  }

  private static Map<String, Long> files(Path folder) throws IOException {
    Map<String, Long> files = new TreeMap<>();
    for (FileStatus file : fs.listStatus(folder)) {
      files.put(file.getPath().getName(), file.getModificationTime());
    }
    return files;
  }

  /** The rerun is refused before any Spark job, and the output is left as it was. */
  private static String refused(PrepareJob.Request request, Map<String, Long> before)
      throws IOException {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> new PrepareJob(config(), storage).check(request));
    String message = e.getMessage();
    assertTrue(
        message.contains(request.output() + " holds an interrupted run")
            && message.contains("delete " + request.output()),
        message);
    assertEquals(before, files(new Path(request.output())), "nothing written or removed");
    return message;
  }

  /** Class folder names of {@code split} under {@code input}, sorted: label i is the i-th. */
  private static List<String> classFolders(String input, String split) throws IOException {
    TreeSet<String> names = new TreeSet<>();
    for (FileStatus status : fs.listStatus(new Path(input, split))) {
      if (status.isDirectory()) {
        names.add(status.getPath().getName());
      }
    }
    return new ArrayList<>(names);
  }

  /**
   * Checks every record of the dataset in {@code output}: its class is {@code classOf} its file
   * name and its label that class's position in {@code labelOrder}.
   *
   * @return how many records there are
   */
  private static int checkLabels(URI output, List<String> labelOrder, Map<String, String> classOf)
      throws IOException {
    Manifest manifest = Manifest.read(storage, output);
    int records = 0;
    for (URI shard : manifest.shardUris(output)) {
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          for (StoredImage image : reader.readRowGroup(g)) {
            String file = image.key().substring(image.key().indexOf('/') + 1);
            assertEquals(classOf.get(file), image.wnid(), image.key());
            assertEquals(labelOrder.indexOf(image.wnid()), image.label(), image.key());
            records++;
          }
        }
      }
    }
    assertEquals(manifest.records(), records);
    return records;
  }

  /** File name (without extension) -> class folder, for a class tree. */
  private static Map<String, String> classesInTree(String input, String split) throws IOException {
    Map<String, String> classOf = new HashMap<>();
    for (String wnid : classFolders(input, split)) {
      for (FileStatus file : fs.listStatus(new Path(new Path(input, split), wnid))) {
        String name = file.getPath().getName();
        classOf.put(name.substring(0, name.lastIndexOf('.')), wnid);
      }
    }
    return classOf;
  }

  @Test
  void anotherLabelMapFromIsRefusedAndPreparingAfreshUsesTheNewLabels() throws Exception {
    // Two training sets whose label maps differ: the second has one more class, first in order.
    prepare(request("/in", "/a/train", "train", null, null));
    FileUtil.copy(fs, new Path("/in/train"), fs, new Path("/more/train"), false, fs.getConf());
    try (OutputStream out = fs.create(new Path("/more/train/aardvark/a1.JPEG"))) {
      out.write(TestImages.halvesJpeg(64, 48));
    }
    prepare(request("/more", "/b/train", "train", null, null));

    Map<String, Long> finished = crashedRun(request("/in", "/a/val", "val", null, "/a/train"));
    PrepareJob.Request rerun = request("/in", "/a/val", "val", null, "/b/train");
    String message = refused(rerun, finished);
    assertTrue(
        message.contains("the label map differs")
            && message.contains("--label-map-from " + HDFS.uri("/b/train")),
        message);

    // As the refusal says: delete the output, prepare again.
    fs.delete(new Path(rerun.output()), true);
    prepare(rerun);
    List<String> bOrder = classFolders("/more", "train");
    assertEquals("aardvark", bOrder.get(0));
    assertEquals(20, checkLabels(rerun.output(), bOrder, classesInTree("/in", "val")));
  }

  @Test
  void anAddedClassFolderIsRefusedAndPreparingAfreshUsesTheNewLabels() throws Exception {
    FileUtil.copy(fs, new Path("/in/train"), fs, new Path("/grown/train"), false, fs.getConf());
    PrepareJob.Request request = request("/grown", "/grown-out", "train", null, null);
    Map<String, Long> finished = crashedRun(request);
    // A class folder appears (its images not copied yet): every label index after it moves.
    fs.mkdirs(new Path("/grown/train/aardvark"));

    String message = refused(request, finished);
    assertTrue(message.contains("the classes differ (added: aardvark; removed: none)"), message);

    fs.delete(new Path(request.output()), true);
    prepare(request);
    List<String> order = classFolders("/grown", "train");
    assertEquals("aardvark", order.get(0));
    assertEquals(30, checkLabels(request.output(), order, classesInTree("/grown", "train")));
  }

  @Test
  void anEditedLabelsFileIsRefusedAndPreparingAfreshUsesTheNewLabels() throws Exception {
    prepare(request("/in", "/c/train", "train", null, null));
    // A flat validation folder with its labels file, as ILSVRC ships it; the files are numbered
    // in class order.
    Map<String, String> classOf = new TreeMap<>();
    List<String> classes = classFolders("/in", "val");
    for (String wnid : classes) {
      for (FileStatus file : fs.listStatus(new Path("/in/val/" + wnid))) {
        String name = String.format(Locale.ROOT, "val_%03d", classOf.size());
        FileUtil.copy(
            fs,
            file.getPath(),
            fs,
            new Path("/flat-resume/val/" + name + ".JPEG"),
            false,
            fs.getConf());
        classOf.put(name, wnid);
      }
    }
    storage.writeText(HDFS.uri("/flat-resume/labels.csv"), labelsFile(classOf));
    PrepareJob.Request request =
        request("/flat-resume", "/c/val", "val", "/flat-resume/labels.csv", "/c/train");
    Map<String, Long> finished = crashedRun(request);

    // The labels file is corrected for one image: the last of the first class belongs to the
    // second. Its record keeps its place in the shuffled order, and so the shard it is in.
    Map<String, String> corrected = new TreeMap<>(classOf);
    String moved =
        classOf.entrySet().stream()
            .filter(e -> e.getValue().equals(classes.get(0)))
            .map(Map.Entry::getKey)
            .max(String::compareTo)
            .orElseThrow();
    corrected.put(moved, classes.get(1));
    storage.writeText(HDFS.uri("/flat-resume/labels.csv"), labelsFile(corrected));

    String message = refused(request, finished);
    assertTrue(message.contains("the labels file differs"), message);
    assertTrue(message.contains("the images and their classes differs"), message);

    fs.delete(new Path(request.output()), true);
    prepare(request);
    assertEquals(20, checkLabels(request.output(), classFolders("/in", "train"), corrected));
  }

  private static String labelsFile(Map<String, String> classOf) {
    StringBuilder csv = new StringBuilder("ImageId,PredictionString\n");
    classOf.forEach((name, wnid) -> csv.append(name).append(',').append(wnid).append(" 1 2 3 4\n"));
    return csv.toString();
  }

  @Test
  void shardsWithoutAPlanAreNotKept() throws Exception {
    FileUtil.copy(fs, new Path("/in/train"), fs, new Path("/noplan/train"), false, fs.getConf());
    PrepareJob.Request request = request("/noplan", "/noplan-out", "train", null, null);
    Map<String, Long> finished = crashedRun(request);
    fs.delete(new Path(new Path(request.output()), PrepareJob.PLAN_FILE), false);
    finished.remove(PrepareJob.PLAN_FILE);
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> new PrepareJob(config(), storage).check(request));
    assertTrue(e.getMessage().contains("shard files but no _plan.json"), e.getMessage());
    assertEquals(finished, files(new Path(request.output())));
    assertFalse(fs.exists(new Path(new Path(request.output()), ShardFormat.MANIFEST)));
  }
}
