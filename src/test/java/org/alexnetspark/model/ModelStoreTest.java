package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Sha256;
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
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static AlexNetConfig config;
  private static ComputationGraph trained;
  private static INDArray images;

  @BeforeAll
  static void trainOneStep() {
    config =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=10", "data.image-size=76"));
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
    assertEquals("scaled", loaded.info().variant());
    assertEquals(trained.numParams(), loaded.info().parameters());
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
    assertThrows(
        Storage.ArtifactExistsException.class, () -> store().save(trained, config, target, false));
    store().save(trained, config, target, true);
    assertEquals(trained.params(), store().load(target).network().params());
    assertEquals(List.of("overwrite"), names(HDFS.fileSystem(), new Path("/models"), "overwrite"));
  }

  @Test
  void failedWriteLeavesNothingBehind() throws IOException {
    URI target = HDFS.uri("/models/crashed/model");
    Storage storage = new Storage(HDFS.configuration());
    IOException failure =
        assertThrows(
            IOException.class,
            () ->
                storage.writeFolder(
                    target,
                    false,
                    (fs, folder) -> {
                      fs.create(new Path(folder, "model.zip")).close();
                      throw new IOException("disk full");
                    }));
    assertEquals("disk full", failure.getMessage());
    FileSystem fs = HDFS.fileSystem();
    assertTrue(!fs.exists(new Path("/models/crashed/model")));
    assertEquals(0, fs.listStatus(new Path("/models/crashed")).length, "no temporary left over");
  }

  /** Records whether Java deserialisation ever ran on an instance of it. */
  static final class Tripwire implements Serializable {
    private static final long serialVersionUID = 1L;
    static volatile boolean deserialised;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      deserialised = true;
    }
  }

  @Test
  void loadingNeverRunsJavaDeserialisationOnTheModelFile() throws Exception {
    URI target = HDFS.uri("/models/tampered");
    store().save(trained, config, target, false);
    // Someone adds a Java-serialised object where DL4J's model file keeps a preprocessor.
    Path zip = new Path("/models/tampered/model.zip");
    byte[] original;
    try (var in = HDFS.fileSystem().open(zip)) {
      original = in.readAllBytes();
    }
    ByteArrayOutputStream tampered = new ByteArrayOutputStream();
    try (var zipIn = new ZipInputStream(new ByteArrayInputStream(original));
        var zipOut = new ZipOutputStream(tampered)) {
      for (var entry = zipIn.getNextEntry(); entry != null; entry = zipIn.getNextEntry()) {
        zipOut.putNextEntry(new ZipEntry(entry.getName()));
        zipIn.transferTo(zipOut);
        zipOut.closeEntry();
      }
      zipOut.putNextEntry(new ZipEntry("preprocessor.bin"));
      ObjectOutputStream objects = new ObjectOutputStream(zipOut);
      objects.writeObject(new Tripwire());
      objects.flush();
      zipOut.closeEntry();
    }
    try (var out = HDFS.fileSystem().create(zip, true)) {
      out.write(tampered.toByteArray());
    }
    Tripwire.deserialised = false;
    // The seal notices the change...
    assertThrows(SealedFolder.IncompleteException.class, () -> store().load(target));
    assertTrue(!Tripwire.deserialised);
    // ...and with the seal forged to match, the entry is still never deserialised.
    Storage storage = new Storage(HDFS.configuration());
    var seal =
        Json.read(
            storage.readText(HDFS.uri("/models/tampered/_COMPLETE")),
            SealedFolder.Seal.class,
            "seal");
    List<SealedFolder.Entry> forged = new ArrayList<>();
    for (var entry : seal.files()) {
      forged.add(
          entry.name().equals("model.zip")
              ? new SealedFolder.Entry(
                  "model.zip",
                  tampered.size(),
                  Sha256.of(new ByteArrayInputStream(tampered.toByteArray())).sha256())
              : entry);
    }
    try (var out = HDFS.fileSystem().create(new Path("/models/tampered/_COMPLETE"), true)) {
      out.write(Json.write(new SealedFolder.Seal(forged)).getBytes(StandardCharsets.UTF_8));
    }
    ModelStore.StoredModel loaded = store().load(target);
    assertTrue(!Tripwire.deserialised, "the model file's Java-serialised entry was deserialised");
    assertEquals(trained.params(), loaded.network().params(), "parameters still load");
    assertEquals(
        trained.getUpdater().getStateViewArray(),
        loaded.network().getUpdater().getStateViewArray(),
        "momentum still loads");
  }

  @Test
  void loadingSomethingElseSaysWhatIsMissing() throws IOException {
    HDFS.fileSystem().mkdirs(new Path("/models/empty"));
    IOException e = assertThrows(IOException.class, () -> store().load(HDFS.uri("/models/empty")));
    assertTrue(e.getMessage().contains("is not a saved model"), e.getMessage());
  }

  private static List<String> names(FileSystem fs, Path folder, String prefix) throws IOException {
    FileStatus[] statuses = fs.listStatus(folder);
    return Arrays.stream(statuses)
        .map(s -> s.getPath().getName())
        .filter(name -> name.contains(prefix))
        .toList();
  }
}
