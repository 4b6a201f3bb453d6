package org.alexnetspark.io;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Atomic writes on any Hadoop {@link FileSystem}.
 *
 * <p>An artifact is written under a hidden temporary name in its destination's folder (names
 * starting with "." are skipped by Hadoop input formats) and renamed into place only when complete.
 * Renames within one folder are atomic on HDFS and local disks; object stores without atomic rename
 * (s3a) copy instead, which still never exposes a partial artifact under the final name.
 */
public final class Storage {
  /**
   * Fault injection for the fault-tolerance tests (ClusterFaultsIT), never set in production: a
   * system property holding a regular expression. When the name of an artifact about to be renamed
   * into place matches it, the JVM halts at once with exit code 137 (as after {@code kill -9})
   * after the artifact was written and before the rename, leaving its hidden temporary behind. For
   * example {@code -Dalexnet.fault.halt-before-rename=epoch-0000-iter-0000000024} in {@code
   * spark.driver.extraJavaOptions}.
   */
  public static final String HALT_BEFORE_RENAME = "alexnet.fault.halt-before-rename";

  private final Configuration hadoop;

  public Storage(Configuration hadoop) {
    this.hadoop = hadoop;
  }

  /**
   * Storage with the Hadoop configuration found on the classpath (core-site.xml, hdfs-site.xml).
   */
  public static Storage withDefaultConfiguration() {
    return new Storage(new Configuration());
  }

  public Configuration hadoopConfiguration() {
    return hadoop;
  }

  /**
   * A user's location as a URI: URIs with a scheme are kept, bare paths become absolute {@code
   * file://} URIs (relative to the working directory).
   */
  public static URI toUri(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException(
          "empty path: give a folder or a URI such as hdfs://nn:8020/x");
    }
    int colon = location.indexOf(':');
    int slash = location.indexOf('/');
    // A scheme of two letters or more (hdfs:, file:, s3a:), not a Windows drive letter.
    if (colon > 1 && (slash < 0 || colon < slash)) {
      return new Path(location).toUri(); // escapes spaces, '#' and '%' once
    }
    URI local = Paths.get(location).toAbsolutePath().normalize().toUri();
    String text = local.toString();
    // Path.toUri() marks existing folders with a trailing slash; a location names the folder
    // itself.
    return text.endsWith("/") && text.length() > "file:///".length()
        ? URI.create(text.substring(0, text.length() - 1))
        : local;
  }

  public FileSystem fileSystem(URI uri) throws IOException {
    return FileSystem.get(uri, hadoop);
  }

  public Path path(URI uri) {
    return new Path(uri);
  }

  /** Whether anything exists at {@code location}. */
  public boolean exists(URI location) throws IOException {
    return fileSystem(location).exists(path(location));
  }

  /** {@code location} with its file system's scheme and authority filled in. */
  public URI qualify(URI location) throws IOException {
    return fileSystem(location).makeQualified(path(location)).toUri();
  }

  /** Deletes a file or a folder with its contents, if it exists. */
  public void delete(URI location) throws IOException {
    fileSystem(location).delete(path(location), true);
  }

  /** Writes something into a folder that appears at {@code target} only once complete. */
  @FunctionalInterface
  public interface FolderWriter {
    void write(FileSystem fs, Path folder) throws IOException;
  }

  /** Writes the bytes of one file. */
  @FunctionalInterface
  public interface FileWriter {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes a folder atomically. If {@code target} exists it is replaced only when {@code overwrite}
   * is set: the old folder is moved aside, the new one renamed in, then the old one deleted.
   *
   * @throws ArtifactExistsException if {@code target} exists and {@code overwrite} is not set
   */
  public void writeFolder(URI target, boolean overwrite, FolderWriter writer) throws IOException {
    FileSystem fs = fileSystem(target);
    Path finalPath = fs.makeQualified(path(target));
    if (fs.exists(finalPath) && !overwrite) {
      throw new ArtifactExistsException(finalPath.toString());
    }
    Path parent = finalPath.getParent();
    fs.mkdirs(parent);
    Path temporary = new Path(parent, "." + finalPath.getName() + ".tmp-" + UUID.randomUUID());
    try {
      fs.mkdirs(temporary);
      writer.write(fs, temporary);
      moveInto(fs, temporary, finalPath, overwrite);
    } finally {
      if (fs.exists(temporary)) {
        fs.delete(temporary, true);
      }
    }
  }

  /** Writes one file atomically (same rules as {@link #writeFolder}). */
  public void writeFile(URI target, boolean overwrite, FileWriter writer) throws IOException {
    FileSystem fs = fileSystem(target);
    Path finalPath = fs.makeQualified(path(target));
    if (fs.exists(finalPath) && !overwrite) {
      throw new ArtifactExistsException(finalPath.toString());
    }
    fs.mkdirs(finalPath.getParent());
    Path temporary =
        new Path(finalPath.getParent(), "." + finalPath.getName() + ".tmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = new SingleFailureOutputStream(fs.create(temporary, false))) {
        writer.write(out);
      }
      moveInto(fs, temporary, finalPath, overwrite);
    } finally {
      if (fs.exists(temporary)) {
        fs.delete(temporary, true);
      }
    }
  }

  /** Writes a UTF-8 text file atomically, replacing any existing one. */
  public void writeText(URI target, String text) throws IOException {
    writeFile(target, true, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Replaces the small file {@code target} with {@code bytes} in one step where the file system
   * allows (HDFS and local disks rename over an existing file atomically): readers see the old
   * content or the new one, never neither. Elsewhere the aside-and-rename of {@link #writeFile}
   * applies, which {@link #recoverInterruptedWrites} completes after a crash.
   */
  public void replaceFile(URI target, byte[] bytes) throws IOException {
    FileSystem fs = fileSystem(target);
    Path finalPath = fs.makeQualified(path(target));
    fs.mkdirs(finalPath.getParent());
    Path temporary =
        new Path(finalPath.getParent(), "." + finalPath.getName() + ".tmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = fs.create(temporary, false)) {
        out.write(bytes);
      }
      try {
        FileContext.getFileContext(finalPath.toUri(), hadoop)
            .rename(temporary, finalPath, Options.Rename.OVERWRITE);
      } catch (UnsupportedOperationException | IOException e) {
        if (fs.exists(temporary)) {
          moveInto(fs, temporary, finalPath, true);
        }
      }
    } finally {
      if (fs.exists(temporary)) {
        fs.delete(temporary, false);
      }
    }
  }

  /** Reads a whole UTF-8 text file. */
  public String readText(URI source) throws IOException {
    FileSystem fs = fileSystem(source);
    try (var in = fs.open(path(source))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void moveInto(FileSystem fs, Path temporary, Path finalPath, boolean overwrite)
      throws IOException {
    Path aside = null;
    if (overwrite && fs.exists(finalPath)) {
      aside =
          new Path(finalPath.getParent(), "." + finalPath.getName() + ".old-" + UUID.randomUUID());
      if (!fs.rename(finalPath, aside)) {
        throw new IOException("could not move " + finalPath + " aside to replace it");
      }
    }
    haltIfAsked(finalPath);
    if (!fs.rename(temporary, finalPath)) {
      if (aside != null) {
        fs.rename(aside, finalPath);
      }
      throw new IOException("could not rename " + temporary + " to " + finalPath);
    }
    if (aside != null) {
      fs.delete(aside, true);
    }
  }

  /** The fault-injection point of {@link #HALT_BEFORE_RENAME}. */
  private static void haltIfAsked(Path finalPath) {
    String pattern = System.getProperty(HALT_BEFORE_RENAME);
    if (pattern != null && finalPath.getName().matches(pattern)) {
      System.err.println(
          HALT_BEFORE_RENAME + ": halting before " + finalPath + " is renamed into place");
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
  }

  /**
   * Cleans up after a process killed in the middle of writes into {@code folder}: hidden
   * temporaries ({@code .name.tmp-*}) are deleted, and an artifact moved aside to be replaced
   * ({@code .name.old-*}) is put back when the replacement never arrived, or deleted when it did.
   *
   * @return what was removed or restored, for the log
   */
  public List<String> recoverInterruptedWrites(URI folder) throws IOException {
    FileSystem fs = fileSystem(folder);
    Path root = path(folder);
    List<String> done = new ArrayList<>();
    if (!fs.exists(root)) {
      return done;
    }
    for (FileStatus entry : fs.listStatus(root)) {
      String name = entry.getPath().getName();
      int tmp = name.lastIndexOf(".tmp-");
      int old = name.lastIndexOf(".old-");
      if (name.startsWith(".") && tmp > 0) {
        fs.delete(entry.getPath(), true);
        done.add("removed the unfinished " + entry.getPath());
      } else if (name.startsWith(".") && old > 0) {
        Path original = new Path(root, name.substring(1, old));
        if (fs.exists(original)) {
          fs.delete(entry.getPath(), true);
          done.add("removed the replaced " + entry.getPath());
        } else if (fs.rename(entry.getPath(), original)) {
          done.add("restored " + original + ", whose replacement never arrived");
        }
      }
    }
    return done;
  }

  /** The destination of a write already exists and overwriting was not asked for. */
  public static final class ArtifactExistsException extends IOException {
    private static final long serialVersionUID = 1L;

    public ArtifactExistsException(String location) {
      this(location, "already exists; choose another location or allow overwriting");
    }

    /** {@code location} exists; {@code advice} says what to do, e.g. "add --resume". */
    public ArtifactExistsException(String location, String advice) {
      super(location + " " + advice);
    }
  }
}
