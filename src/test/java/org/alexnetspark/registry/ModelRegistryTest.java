package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry on a real in-process HDFS: versions written once, promotions, crashes. */
class ModelRegistryTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static Storage storage;
  private static URI modelA;
  private static URI modelB;

  @BeforeAll
  static void models() throws Exception {
    storage = new Storage(HDFS.configuration());
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of());
    modelA = HDFS.uri("/registry-models/a");
    modelB = HDFS.uri("/registry-models/b");
    new ModelStore(storage)
        .save(AlexNet.create(config.model(), config.optimizer()), config, modelA, false);
    new ModelStore(storage)
        .save(AlexNet.create(config.model(), config.optimizer()), config, modelB, false);
  }

  private static RegistryEntry entry(double error) {
    return new RegistryEntry(null, null, "hdfs:///held-out", error, error / 2, "sha", "run", null);
  }

  @Test
  void versionsAreWrittenOnceAndPromotionsMoveThePointerAndCanBeRolledBack() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry"), "fashion");
    assertNull(registry.current());
    String v1 = registry.register(modelA, entry(0.3));
    String v2 = registry.register(modelB, entry(0.2));
    assertEquals(List.of("v0001", "v0002"), List.of(v1, v2));
    assertEquals(0.3, registry.entry(v1).tenCropTop1Error());
    // Each version is a complete model folder with its record under one seal.
    SealedFolder.Seal seal = SealedFolder.check(storage, registry.location(v2));
    assertTrue(seal.entry("model.zip") != null && seal.entry("registry.json") != null);
    new ModelStore(storage).load(registry.location(v2));

    registry.promote(v1, "first");
    assertEquals(v1, registry.current());
    registry.promote(v2, "better");
    assertEquals(v2, registry.current());
    assertEquals(v1, registry.rollback("by hand"));
    assertEquals(v1, registry.current());
    assertEquals(3, registry.promotions().size());
    assertEquals(List.of("v0001", "v0002"), registry.versions(), "nothing removed or rewritten");
  }

  @Test
  void aCrashMidPromotionLeavesCurrentPointingAtACompleteVersion() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-crash"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    registry.promote(v1, "first");
    String v2 = registry.register(modelB, entry(0.2));
    FileSystem fs = HDFS.fileSystem();
    Path folder = new Path(registry.folder());

    // Killed after writing the new pointer under its temporary name, before the rename.
    try (OutputStream out = fs.create(new Path(folder, ".current.tmp-1"))) {
      out.write((v2 + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(v1, registry.current(), "the pointer still names the complete old version");

    // Killed between the two renames of a store without atomic replace: old pointer aside.
    fs.rename(new Path(folder, "current"), new Path(folder, ".current.old-2"));
    storage.recoverInterruptedWrites(registry.folder());
    assertEquals(v1, registry.current(), "put back");
    assertFalse(fs.exists(new Path(folder, ".current.tmp-1")), "the unfinished pointer is gone");

    // A version being copied in when the process died is not a version.
    fs.mkdirs(new Path(folder, ".v0003.tmp-3"));
    assertEquals(List.of("v0001", "v0002"), registry.versions());
    registry.promote(v2, "after the crash");
    assertEquals(v2, registry.current());
    // An incomplete version can never become current.
    fs.mkdirs(new Path(folder, "v0009"));
    assertThrows(SealedFolder.IncompleteException.class, () -> registry.promote("v0009", "bad"));
    assertEquals(v2, registry.current());
  }
}
