package org.alexnetspark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Atomic writes and their recovery, and sealed folders, on a real in-process HDFS. */
class StorageTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static void write(FileSystem fs, String path, String text) throws Exception {
    try (OutputStream out = fs.create(new Path(path), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void whatAKilledWriterLeftIsCleanedAndAReplacedArtifactPutBack() throws Exception {
    FileSystem fs = HDFS.fileSystem();
    Storage storage = new Storage(HDFS.configuration());
    // Killed while writing a new checkpoint: its temporary folder stays behind.
    fs.mkdirs(new Path("/recover/.epoch-0002-iter-0000000020.tmp-1234"));
    write(fs, "/recover/.epoch-0002-iter-0000000020.tmp-1234/model.zip", "partial");
    // Killed between the two renames that replace metrics.jsonl: the old file is aside, the new
    // one never arrived.
    write(fs, "/recover/.metrics.jsonl.old-5678", "the old lines\\n");
    // Killed after the new model arrived but before the old one was deleted.
    fs.mkdirs(new Path("/recover/model"));
    fs.mkdirs(new Path("/recover/.model.old-9"));

    assertEquals(3, storage.recoverInterruptedWrites(HDFS.uri("/recover")).size());
    assertFalse(fs.exists(new Path("/recover/.epoch-0002-iter-0000000020.tmp-1234")));
    assertEquals("the old lines\\n", storage.readText(HDFS.uri("/recover/metrics.jsonl")));
    assertFalse(fs.exists(new Path("/recover/.model.old-9")));
    assertTrue(fs.exists(new Path("/recover/model")));
    assertEquals(0, storage.recoverInterruptedWrites(HDFS.uri("/recover")).size(), "idempotent");
  }

  @Test
  void aSealedFolderIsCompleteOnlyWithItsSealAndEveryByteAsSealed() throws Exception {
    FileSystem fs = HDFS.fileSystem();
    Storage storage = new Storage(HDFS.configuration());
    URI folder = HDFS.uri("/sealed/a");
    storage.writeFolder(
        folder,
        false,
        (fileSystem, tmp) -> {
          SealedFolder.Writer files = new SealedFolder.Writer(storage, fileSystem, tmp);
          files.write("one.txt", "first".getBytes(StandardCharsets.UTF_8));
          files.write("two.txt", "second".getBytes(StandardCharsets.UTF_8));
          files.seal();
        });
    SealedFolder.Seal seal = SealedFolder.check(storage, folder);
    assertEquals(2, seal.files().size());
    try (InputStream in = SealedFolder.open(storage, folder, seal, "one.txt")) {
      assertEquals("first", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    // Same length, other bytes: only the digest can tell.
    write(fs, "/sealed/a/two.txt", "SECOND");
    SealedFolder.IncompleteException damaged =
        assertThrows(
            SealedFolder.IncompleteException.class,
            () -> {
              try (InputStream in =
                  SealedFolder.open(
                      storage, folder, SealedFolder.check(storage, folder), "two.txt")) {
                in.readNBytes(2); // the rest is read, and checked, on close
              }
            });
    assertTrue(damaged.getMessage().contains("two.txt is damaged"), damaged.getMessage());
    // Cut short.
    write(fs, "/sealed/a/one.txt", "fir");
    assertTrue(
        assertThrows(
                SealedFolder.IncompleteException.class, () -> SealedFolder.check(storage, folder))
            .getMessage()
            .contains("one.txt has 3 bytes"));
    // No seal at all.
    fs.delete(new Path("/sealed/a/" + SealedFolder.SEAL), false);
    assertTrue(
        assertThrows(
                SealedFolder.IncompleteException.class, () -> SealedFolder.check(storage, folder))
            .getMessage()
            .contains("has no _COMPLETE"));
  }
}
