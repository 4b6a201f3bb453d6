package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class ModelStoreTest {
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();

  private static AlexNetConfig config;
  private static ComputationGraph trained;
  private static INDArray images;

  @BeforeAll
  static void trainOneStep() {
    config = AlexNetConfig.load(List.of(), List.of("model.variant=scaled", "model.classes=10",
        "data.image-size=76"));
    trained = AlexNet.create(config.model(), config.optimizer());
    Nd4j.getRandom().setSeed(3);
    images = Nd4j.rand(DataType.FLOAT, 4, 3, 67, 67);
    INDArray labels = Nd4j.eye(10).getRows(0, 3, 5, 9).castTo(DataType.FLOAT);
    trained.fit(new MultiDataSet(images, labels));
    trained.fit(new MultiDataSet(images, labels));
  }

  private ModelStore store() {
    return new ModelStore(new Storage(HDFS.configuration()));
  }

  @Test
  void savedToHdfsLoadsBackWithIdenticalOutputsMomentumAndConfig() throws IOException {
    URI target = HDFS.uri("/models/round-trip");
    store().save(trained, config, target, false);

    ModelStore.StoredModel loaded = store().load(target);
    assertEquals(trained.outputSingle(images), loaded.network().outputSingle(images));
    assertEquals(trained.params(), loaded.network().params());
    INDArray momentum = trained.getUpdater().getStateViewArray();
    assertNotEquals(0.0, momentum.norm2Number().doubleValue(), "momentum must be non-trivial");
    assertEquals(momentum, loaded.network().getUpdater().getStateViewArray());
    assertEquals(config.render(), loaded.config().render());
    assertEquals("scaled", loaded.provenance().get("variant"));
    assertEquals(trained.numParams(), ((Number) loaded.provenance().get("parameters")).longValue());
  }

  @Test
  void savedToLocalFileSystemLoadsBackIdentically(@TempDir java.nio.file.Path dir)
      throws IOException {
    URI target = Storage.toUri(dir.resolve("local-model").toString());
    assertEquals("file", target.getScheme());
    ModelStore local = new ModelStore(Storage.withDefaultConfiguration());
    local.save(trained, config, target, false);
    assertEquals(trained.outputSingle(images), local.load(target).network().outputSingle(images));
  }

  @Test
  void existingModelIsKeptUnlessOverwriteIsAsked() throws IOException {
    URI target = HDFS.uri("/models/overwrite");
    store().save(trained, config, target, false);
    assertThrows(Storage.ArtifactExistsException.class,
        () -> store().save(trained, config, target, false));
    store().save(trained, config, target, true);
    assertEquals(trained.params(), store().load(target).network().params());
    assertEquals(List.of("overwrite"), names(HDFS.fileSystem(), new Path("/models"), "overwrite"));
  }

  @Test
  void failedWriteLeavesNothingBehind() throws IOException {
    URI target = HDFS.uri("/models/crashed/model");
    Storage storage = new Storage(HDFS.configuration());
    IOException failure = assertThrows(IOException.class, () ->
        storage.writeFolder(target, false, (fs, folder) -> {
          fs.create(new Path(folder, "model.zip")).close();
          throw new IOException("disk full");
        }));
    assertEquals("disk full", failure.getMessage());
    FileSystem fs = HDFS.fileSystem();
    assertTrue(!fs.exists(new Path("/models/crashed/model")));
    assertEquals(0, fs.listStatus(new Path("/models/crashed")).length, "no temporary left over");
  }

  @Test
  void loadingSomethingElseSaysWhatIsMissing() throws IOException {
    HDFS.fileSystem().mkdirs(new Path("/models/empty"));
    IOException e = assertThrows(IOException.class, () -> store().load(HDFS.uri("/models/empty")));
    assertTrue(e.getMessage().contains("is not a saved model"), e.getMessage());
  }

  private static List<String> names(FileSystem fs, Path folder, String prefix) throws IOException {
    FileStatus[] statuses = fs.listStatus(folder);
    return Arrays.stream(statuses).map(s -> s.getPath().getName())
        .filter(name -> name.contains(prefix)).toList();
  }
}
