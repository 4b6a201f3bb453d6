package org.alexnetspark.prepare;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.data.Rejection.Reason;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The driver's one pass over an ILSVRC image archive: every image in it with its byte range, and
 * the archive's MD5. Two layouts are read, as ILSVRC-2012 ships them:
 *
 * <ul>
 *   <li>a tar of per-class tars ({@code ILSVRC2012_img_train.tar}: {@code n01440764.tar} holding
 *       {@code n01440764_10026.JPEG}, ...): the class is the inner tar's name;
 *   <li>a flat tar of images ({@code ILSVRC2012_img_val.tar}) whose classes come from {@code
 *       labelByFile} (the devkit's ground truth).
 * </ul>
 *
 * The pass reads every byte once, in one stream (the MD5 needs them all; nothing is written
 * anywhere). Each image's {@link Member} records where its tar headers start and where its padded
 * data ends in the archive file, so that a run of consecutive members of one tar is itself a tar
 * stream an executor can read from a seek.
 *
 * @param archive the archive file
 * @param length its length in bytes
 * @param modified its modification time
 * @param md5 its MD5, hex
 * @param members every image, in archive order
 * @param rejections entries that are not images of a class
 * @param classes every class found
 * @param samples the bytes of the first few images, to estimate the size of a stored image
 */
record TarArchiveScan(
    String archive,
    long length,
    long modified,
    String md5,
    List<Member> members,
    List<Rejection> rejections,
    Set<String> classes,
    List<byte[]> samples) {

  /** Images whose bytes are kept for the size estimate. */
  private static final int SAMPLES = 24;

  /** At most this many bytes of them, so that the scan's memory stays bounded. */
  private static final long SAMPLE_BYTES = 8L << 20;

  private static final int RECORD = 512;

  /**
   * One image in the archive.
   *
   * @param image the input, its location {@code <archive>!/<inner tar>/<file>} or {@code
   *     <archive>!/<file>}
   * @param group the tar it is in: the inner tar's name, or "" for a flat tar
   * @param start where its headers start in the archive file
   * @param end where its padded data ends
   */
  record Member(InputImage image, String group, long start, long end) implements Serializable {
    /** The file name inside its tar. */
    String entryName() {
      String location = image.location();
      return location.substring(location.lastIndexOf('/') + 1);
    }
  }

  /** Whether {@code path} names a tar archive rather than a folder of images. */
  static boolean isArchive(FileSystem fs, Path path) throws IOException {
    return path.getName().endsWith(".tar") && fs.getFileStatus(path).isFile();
  }

  /**
   * Scans {@code path}.
   *
   * @param labelByFile for a flat tar: its images' classes by file name; null when only per-class
   *     tars are expected
   */
  static TarArchiveScan scan(FileSystem fs, Path path, Map<String, String> labelByFile)
      throws IOException {
    FileStatus status = fs.getFileStatus(path);
    String archive = status.getPath().toString();
    List<Member> members = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    Set<String> classes = new TreeSet<>();
    List<byte[]> samples = new ArrayList<>();
    Md5Stream in = new Md5Stream(fs.open(path));
    try (in;
        TarArchiveInputStream outer = new TarArchiveInputStream(in)) {
      long start = 0;
      TarArchiveEntry entry;
      while ((entry = outer.getNextTarEntry()) != null) {
        long dataStart = in.position;
        long end = dataStart + padded(entry.getSize());
        String name = entry.getName();
        String where = archive + "!/" + name;
        if (!entry.isFile()) {
          // folders in a tar are only names; their files are listed on their own
        } else if (name.endsWith(".tar") && !name.contains("/")) {
          String wnid = name.substring(0, name.length() - ".tar".length());
          if (!LabelMap.isSafeName(wnid)) {
            rejections.add(
                new Rejection(
                    where,
                    Reason.UNSAFE_CLASS_NAME,
                    "class name '" + wnid + "' is not allowed; tar skipped"));
          } else {
            classes.add(wnid);
            scanClassTar(outer, in, archive, name, wnid, members, rejections, samples);
          }
        } else if (labelByFile == null) {
          rejections.add(
              new Rejection(
                  where,
                  Reason.NOT_IN_CLASS_FOLDER,
                  "not in a class tar (expected <wnid>.tar holding that class's images, or a"
                      + " flat tar of images with --devkit)"));
        } else {
          String wnid = labelByFile.get(name);
          if (wnid == null) {
            rejections.add(
                new Rejection(where, Reason.NOT_IN_LABELS_FILE, "no entry in the ground truth"));
          } else if (accept(name, where, wnid, rejections)) {
            classes.add(wnid);
            members.add(new Member(image(archive + "!/" + name, name, wnid), "", start, end));
            sample(outer, entry, samples);
          }
        }
        start = end;
      }
      in.transferTo(OutputStream.nullOutputStream());
    }
    return new TarArchiveScan(
        archive,
        status.getLen(),
        status.getModificationTime(),
        in.hex(),
        members,
        rejections,
        classes,
        samples);
  }

  private static void scanClassTar(
      TarArchiveInputStream outer,
      Md5Stream in,
      String archive,
      String tarName,
      String wnid,
      List<Member> members,
      List<Rejection> rejections,
      List<byte[]> samples)
      throws IOException {
    int before = members.size();
    TarArchiveInputStream inner = new TarArchiveInputStream(outer);
    long start = in.position;
    TarArchiveEntry entry;
    while ((entry = inner.getNextTarEntry()) != null) {
      long end = in.position + padded(entry.getSize());
      String name = entry.getName();
      String location = archive + "!/" + tarName + "/" + name;
      if (entry.isDirectory() || name.contains("/")) {
        rejections.add(
            new Rejection(
                location, Reason.NESTED_FOLDER, "nested entry skipped (expected files only)"));
      } else if (entry.isFile() && accept(name, location, wnid, rejections)) {
        members.add(new Member(image(location, name, wnid), tarName, start, end));
        sample(inner, entry, samples);
      }
      start = end;
    }
    if (members.size() == before) {
      rejections.add(
          new Rejection(archive + "!/" + tarName, Reason.EMPTY_CLASS_FOLDER, "empty class tar"));
    }
  }

  private static boolean accept(
      String name, String where, String wnid, List<Rejection> rejections) {
    if (name.startsWith(".") || name.startsWith("_")) {
      rejections.add(new Rejection(where, Reason.HIDDEN_FILE, "hidden file skipped"));
      return false;
    }
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      rejections.add(
          new Rejection(where, Reason.CONTROL_CHARACTERS, "file name has control characters"));
      return false;
    }
    return true;
  }

  private static InputImage image(String location, String name, String wnid) {
    int dot = name.lastIndexOf('.');
    return new InputImage(location, wnid + "/" + (dot > 0 ? name.substring(0, dot) : name), wnid);
  }

  private static void sample(InputStream entryStream, TarArchiveEntry entry, List<byte[]> samples)
      throws IOException {
    long kept = samples.stream().mapToLong(sample -> sample.length).sum();
    if (samples.size() < SAMPLES && kept + entry.getSize() <= SAMPLE_BYTES) {
      samples.add(entryStream.readNBytes((int) entry.getSize()));
    }
  }

  private static long padded(long size) {
    return (size + RECORD - 1) / RECORD * RECORD;
  }

  /** Counts and digests every byte passed on; skipping reads, so that no byte escapes the MD5. */
  private static final class Md5Stream extends FilterInputStream {
    private final MessageDigest md5;
    private final byte[] skipBuffer = new byte[64 << 10];
    long position;

    Md5Stream(InputStream in) {
      super(in);
      try {
        md5 = MessageDigest.getInstance("MD5");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no MD5", e);
      }
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        md5.update((byte) b);
        position++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        md5.update(buffer, offset, n);
        position += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = 0;
      while (skipped < n) {
        int read = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
        if (read < 0) {
          break;
        }
        skipped += read;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    String hex() {
      return HexFormat.of().formatHex(md5.digest());
    }
  }
}
