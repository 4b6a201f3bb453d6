package org.alexnetspark.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks, where the rows are read, that a shard is the file its manifest lists: the same length and
 * the same SHA-256 of its whole content. The driver checks only sizes, footers and record counts
 * ({@link MinibatchPlan#of}); a shard whose rows were swapped, flipped or replaced after {@code
 * prepare} is refused here with an error naming it, before any of its rows is decoded.
 *
 * <p>A shard is hashed once per JVM for each version of the file (its URI, length and modification
 * time), whatever the number of tasks, epochs and readers that read it afterwards. Manifests
 * written without SHA-256 (an empty {@code sha256}) leave the content unchecked; the length is
 * still compared when the manifest records it. Thread-safe.
 */
public final class ShardVerification {
  private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();
  private static final ConcurrentHashMap<String, Object> HASHING = new ConcurrentHashMap<>();

  private ShardVerification() {}

  /** The manifest of the folder a shard lies in (where {@code prepare} writes it). */
  public static Manifest manifestOf(Configuration conf, URI shard) throws IOException {
    return Manifest.read(new Storage(conf), folderOf(shard));
  }

  /**
   * Checks {@code shard} against its entry in {@code manifest}, hashing it unless this JVM has
   * already verified this version of the file.
   *
   * @throws IOException naming the shard if it is not in the manifest, or its length or SHA-256
   *     differ from the manifest's
   */
  public static void verify(Configuration conf, URI shard, Manifest manifest) throws IOException {
    Path path = new Path(shard);
    String name = path.getName();
    URI folder = folderOf(shard);
    Optional<Manifest.Shard> listed =
        manifest.shards().stream().filter(s -> s.file().equals(name)).findFirst();
    if (listed.isEmpty()) {
      throw new IOException(
          "shard " + name + " of " + folder + " is not listed in its " + ShardFormat.MANIFEST);
    }
    Manifest.Shard expected = listed.get();
    FileSystem fs = path.getFileSystem(conf);
    FileStatus status = fs.getFileStatus(path);
    if (expected.bytes() > 0 && status.getLen() != expected.bytes()) {
      throw changed(name, folder, status.getLen() + " bytes", expected.bytes() + " bytes");
    }
    if (expected.sha256() == null || expected.sha256().isEmpty()) {
      return;
    }
    String version =
        shard
            + "|"
            + status.getLen()
            + "|"
            + status.getModificationTime()
            + "|"
            + expected.sha256();
    if (VERIFIED.contains(version)) {
      return;
    }
    // Tasks of one executor that reach the same shard together hash it once.
    synchronized (HASHING.computeIfAbsent(version, v -> new Object())) {
      if (VERIFIED.contains(version)) {
        return;
      }
      Sha256.Summary actual;
      try (InputStream in = fs.open(path)) {
        actual = Sha256.of(in);
      }
      if (!actual.sha256().equals(expected.sha256())) {
        throw changed(name, folder, "SHA-256 " + actual.sha256(), "SHA-256 " + expected.sha256());
      }
      VERIFIED.add(version);
    }
    HASHING.remove(version);
  }

  private static IOException changed(String name, URI folder, String found, String expected) {
    return new IOException(
        "shard "
            + name
            + " of "
            + folder
            + " has "
            + found
            + ", its "
            + ShardFormat.MANIFEST
            + " says "
            + expected
            + ": the file was changed after 'alexnet prepare' wrote it; restore it, or prepare "
            + "the dataset again into a new folder");
  }

  private static URI folderOf(URI shard) {
    Path parent = new Path(shard).getParent();
    return parent.toUri();
  }
}
