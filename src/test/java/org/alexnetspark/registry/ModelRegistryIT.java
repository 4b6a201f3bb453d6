package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Json;
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
class ModelRegistryIT {
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

  static RegistryEntry entry(double error) {
    return new RegistryEntry(
        null,
        null,
        "hdfs:///held-out",
        "h",
        error,
        error / 2,
        "d",
        "v",
        "c",
        "l",
        "run-id",
        "run",
        null,
        null);
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

  @Test
  void versionNamesThatAreNotVPlusFourDigitsAreRefused() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-names"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    for (String bad : List.of("v0001/", "./v0001", "../other/v0001", "v1", "V0001", "v00001", "")) {
      InvalidConfigException e =
          assertThrows(InvalidConfigException.class, () -> registry.promote(bad, "by hand"), bad);
      assertTrue(e.getMessage().contains("'" + bad + "' is not a version name"), e.getMessage());
    }
    assertNull(registry.current(), "nothing was promoted");
    assertEquals(List.of(), registry.promotions());
    assertTrue(registry.promote(v1, "by hand"));
    assertEquals(v1, registry.current());
  }

  @Test
  void rollbackWalksBackThePromotionHistory() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-walk"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    String v2 = registry.register(modelB, entry(0.2));
    String v3 = registry.register(modelA, entry(0.1));
    registry.promote(v1, "first");
    registry.promote(v2, "second");
    registry.promote(v3, "third");
    assertEquals(v2, registry.rollback("back once"));
    assertEquals(v2, registry.current());
    assertEquals(v1, registry.rollback("back twice"));
    assertEquals(v1, registry.current());
    IOException none = assertThrows(IOException.class, () -> registry.rollback("again"));
    assertTrue(none.getMessage().contains("no earlier one"), none.getMessage());
    assertEquals(v1, registry.current());

    // One file per event, never rewritten, named in the order of the events.
    FileSystem fs = HDFS.fileSystem();
    List<String> files =
        Arrays.stream(fs.listStatus(new Path(registry.folder().toString(), "history")))
            .map(st -> st.getPath().getName())
            .sorted()
            .toList();
    assertEquals(
        List.of(
            "00000001-promote-v0001.json",
            "00000002-promote-v0002.json",
            "00000003-promote-v0003.json",
            "00000004-rollback-v0002.json",
            "00000005-rollback-v0001.json"),
        files);
    assertEquals(
        List.of("v0001", "v0002", "v0003", "v0002", "v0001"),
        registry.promotions().stream().map(ModelRegistry.Promotion::to).toList());
    assertEquals(v1 + "\n", storage.readText(HDFS.uri("/registry-walk/fashion/current")));

    // Promoting again after rolling back pushes onto the walked-back history.
    registry.promote(v3, "forward again");
    assertEquals(v1, registry.rollback("and back"));
  }

  @Test
  void promotionIsACompareAndSwapOnTheVersionComparedAgainst() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-cas"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    String v2 = registry.register(modelB, entry(0.2));
    String v3 = registry.register(modelA, entry(0.1));
    assertEquals(new ModelRegistry.Swap(true, v1), registry.promoteIf(null, v1, "first"));
    registry.promote(v2, "by hand, while a retraining compared v3 against v1");
    ModelRegistry.Swap stale = registry.promoteIf(v1, v3, "compared against v1");
    assertFalse(stale.promoted());
    assertEquals(v2, stale.current());
    assertEquals(v2, registry.current());
    assertEquals(2, registry.promotions().size(), "no event for a refused swap");
    assertTrue(registry.promoteIf(v2, v3, "compared against v2").promoted());
    assertEquals(v3, registry.current());
  }

  @Test
  void aWriterWaitsForAHeldLockAndBreaksAnExpiredOne() throws Exception {
    List<String> notices = new CopyOnWriteArrayList<>();
    ModelRegistry registry =
        new ModelRegistry(storage, HDFS.uri("/registry-lock"), "fashion")
            .withLocking(
                new RegistryLock.Timing(Duration.ofMinutes(1), Duration.ofSeconds(30)),
                notices::add);
    String v1 = registry.register(modelA, entry(0.3));
    URI lockFile = HDFS.uri("/registry-lock/fashion/lock");
    Instant now = Instant.now();

    // Held by another process (of another host) for a minute: released after a second.
    writeLock(lockFile, "nightly", "gpu-node-7", now.plusSeconds(60));
    Thread releaser =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
                storage.delete(lockFile);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    releaser.start();
    long started = System.nanoTime();
    registry.promote(v1, "after waiting");
    releaser.join();
    assertTrue((System.nanoTime() - started) / 1e6 >= 1400, "waited for the holder");
    assertEquals(1, notices.size(), notices.toString());
    assertTrue(
        notices.get(0).startsWith("registry fashion is locked by nightly@gpu-node-7 until "),
        notices.get(0));
    assertTrue(notices.get(0).endsWith(", retrying"), notices.get(0));
    assertFalse(storage.exists(lockFile), "released");

    // Expired: broken at once.
    writeLock(lockFile, "crashed", "gpu-node-8", now.minusSeconds(1));
    String v2 = registry.register(modelB, entry(0.2));
    assertEquals("v0002", v2);
    assertFalse(storage.exists(lockFile));

    // Held past the timeout: given up, naming the holder; nothing changed.
    ModelRegistry impatient =
        new ModelRegistry(storage, HDFS.uri("/registry-lock"), "fashion")
            .withLocking(
                new RegistryLock.Timing(Duration.ofMinutes(1), Duration.ofMillis(500)), line -> {});
    writeLock(lockFile, "nightly", "gpu-node-7", now.plusSeconds(60));
    RegistryLock.HeldException held =
        assertThrows(RegistryLock.HeldException.class, () -> impatient.promote(v2, "no"));
    assertTrue(held.getMessage().contains("nightly@gpu-node-7"), held.getMessage());
    assertEquals(v1, registry.current());
    storage.delete(lockFile);
  }

  @Test
  void concurrentWritersLoseNoEvent() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-race"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    String v2 = registry.register(modelB, entry(0.2));
    int each = 8;
    AtomicInteger recorded = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (String version : List.of(v1, v2)) {
        writers.add(
            pool.submit(
                () -> {
                  ModelRegistry mine =
                      new ModelRegistry(storage, HDFS.uri("/registry-race"), "fashion");
                  for (int i = 0; i < each; i++) {
                    if (mine.promote(version, "writer " + version + " #" + i)) {
                      recorded.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> writer : writers) {
        writer.get();
      }
    } finally {
      pool.shutdown();
    }
    List<ModelRegistry.Promotion> events = registry.promotions();
    // Every promotion that changed something is recorded once; none was lost or overwritten.
    assertEquals(recorded.get(), events.size(), "every promotion that changed current is recorded");
    assertTrue(events.size() >= 1 && events.size() <= 2 * each, "events: " + events.size());
    for (int i = 0; i < events.size(); i++) {
      assertEquals(i + 1, events.get(i).sequence(), "contiguous sequence");
      if (i > 0) {
        assertEquals(events.get(i - 1).to(), events.get(i).from(), "each event follows the last");
      }
    }
    assertEquals(events.get(events.size() - 1).to(), registry.current());
    assertEquals(
        registry.current() + "\n", storage.readText(HDFS.uri("/registry-race/fashion/current")));
  }

  @Test
  void aCrashBetweenTheEventAndThePointerLeavesTheHistoryInCharge() throws Exception {
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry-fault"), "fashion");
    String v1 = registry.register(modelA, entry(0.3));
    String v2 = registry.register(modelB, entry(0.2));
    registry.promote(v1, "first");
    ModelRegistry.faults =
        point -> {
          if (point.equals("after-event-before-pointer")) {
            throw new IOException("crash at " + point);
          }
        };
    try {
      assertThrows(IOException.class, () -> registry.promote(v2, "crashes"));
    } finally {
      ModelRegistry.faults = point -> {};
    }
    URI pointer = HDFS.uri("/registry-fault/fashion/current");
    assertEquals(v1 + "\n", storage.readText(pointer), "the pointer was not rewritten");
    assertEquals(v2, registry.current(), "the history decides");
    assertFalse(storage.exists(HDFS.uri("/registry-fault/fashion/lock")), "lock released");
    // The next writer repairs the pointer under the lock.
    assertEquals(v1, registry.rollback("back"));
    assertEquals(v1 + "\n", storage.readText(pointer));
    assertEquals(
        List.of("v0001", "v0002", "v0001"),
        registry.promotions().stream().map(ModelRegistry.Promotion::to).toList());
  }

  private static void writeLock(URI file, String owner, String host, Instant expires)
      throws IOException {
    RegistryLock.Holder holder =
        new RegistryLock.Holder(
            owner,
            host,
            4242,
            "test",
            Instant.now().toString(),
            expires.toString(),
            "t-" + expires);
    storage.writeText(file, Json.write(holder));
  }
}
