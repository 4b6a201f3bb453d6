package org.alexnetspark.prepare;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.Conversion;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.data.ShardFormat;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.ShardSummary;
import org.alexnetspark.data.ShardWriter;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.LongAccumulator;

/**
 * The executors' half of {@code prepare}: writes one shard (read each input, prepare it the paper's
 * way, append it), or, when an earlier run finished that shard, reads its summary back. A shard is
 * written under a hidden temporary name and renamed when complete, so a shard file that exists is
 * always whole.
 */
final class ShardBuilder implements Function<ShardTask, ShardTask.Result> {
  private static final long serialVersionUID = 1L;

  /** Inputs larger than this are not images worth reading into memory. */
  static final long MAX_INPUT_BYTES = 512L << 20;

  /** Head room over data.shard-bytes for the HDFS block size: the size estimate can be 25% off. */
  private static final double BLOCK_HEADROOM = 1.25;

  private final DataConfig data;
  private final LabelMap labels;
  private final String output;
  private final HadoopConf hadoop;
  private final LongAccumulator done;
  private final LongAccumulator rejected;

  ShardBuilder(
      DataConfig data,
      LabelMap labels,
      URI output,
      HadoopConf hadoop,
      LongAccumulator done,
      LongAccumulator rejected) {
    this.data = data;
    this.labels = labels;
    this.output = output.toString();
    this.hadoop = hadoop;
    this.done = done;
    this.rejected = rejected;
  }

  @Override
  public ShardTask.Result call(ShardTask task) throws IOException {
    Path folder = new Path(output);
    FileSystem fs = folder.getFileSystem(hadoop.get());
    String name = ShardFormat.shardName(task.index(), task.count());
    Path finalPath = new Path(folder, name);
    if (fs.exists(finalPath)) {
      return readFinished(fs, finalPath, name);
    }
    Path temporary = new Path(folder, "." + name + ".tmp-" + UUID.randomUUID());
    ImagePreparer preparer = new ImagePreparer(data);
    List<Rejection> rejections = new ArrayList<>();
    List<Conversion> conversions = new ArrayList<>();
    Map<String, Long> classCounts = new TreeMap<>();
    long records = 0;
    ShardWriter.Written written;
    ShardSummary summary;
    try (ShardWriter writer =
        new ShardWriter(fs, temporary, data.rowGroupBytes(), blockSize(fs, folder))) {
      InputSource source = task.ranges() == null ? new FileInputs() : new ArchiveInputs(task);
      for (InputImage input : task.inputs()) {
        ImagePreparer.Outcome outcome;
        try {
          outcome = preparer.prepare(source.read(input));
        } catch (IOException e) {
          outcome =
              new ImagePreparer.Rejected(
                  Rejection.Reason.UNREADABLE, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
          outcome = new ImagePreparer.Rejected(Rejection.Reason.UNDECODABLE, "cannot decode: " + e);
        }
        if (outcome instanceof ImagePreparer.Prepared prepared) {
          writer.write(
              new StoredImage(
                  input.key(), labels.get(input.wnid()).index(), input.wnid(), prepared.jpeg()));
          classCounts.merge(input.wnid(), 1L, Long::sum);
          records++;
          if (prepared.converted() != null) {
            conversions.add(
                new Conversion(
                    input.location(), prepared.converted().was(), prepared.converted().done()));
          }
          done.add(1);
        } else if (outcome instanceof ImagePreparer.Rejected r) {
          rejections.add(new Rejection(input.location(), r.kind(), r.reason()));
          rejected.add(1);
        }
      }
      source.close();
      summary =
          new ShardSummary(
              task.index(), task.inputs().size(), records, classCounts, rejections, conversions);
      written = writer.finish(summary);
    } catch (IOException | RuntimeException e) {
      fs.delete(temporary, false);
      throw e;
    }
    if (!fs.rename(temporary, finalPath)) {
      fs.delete(temporary, false);
      if (fs.exists(finalPath)) {
        return readFinished(fs, finalPath, name); // a speculative copy of this task won the race
      }
      throw new IOException("could not rename " + temporary + " to " + finalPath);
    }
    return new ShardTask.Result(
        new Manifest.Shard(name, records, written.bytes(), written.sha256()), summary);
  }

  /** At least the shard size with head room, so that a shard is one HDFS block. */
  private long blockSize(FileSystem fs, Path folder) {
    long megabytes = (long) Math.ceil(data.shardBytes() * BLOCK_HEADROOM / (1 << 20));
    return Math.max(fs.getDefaultBlockSize(folder), megabytes << 20);
  }

  private ShardTask.Result readFinished(FileSystem fs, Path path, String name) throws IOException {
    ShardSummary summary;
    try (ShardReader reader = ShardReader.open(hadoop.get(), path)) {
      summary = reader.summary();
    }
    done.add(summary.records());
    rejected.add(summary.rejections().size());
    Sha256.Summary file;
    try (InputStream in = fs.open(path)) {
      file = Sha256.of(in);
    }
    return new ShardTask.Result(
        new Manifest.Shard(name, summary.records(), file.bytes(), file.sha256()), summary);
  }

  /** Reads an input through its own FileSystem (inputs and output may be on different ones). */
  static byte[] read(Configuration conf, InputImage image) throws IOException {
    Path path = Locations.path(image.location());
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      byte[] bytes = in.readNBytes((int) MAX_INPUT_BYTES + 1);
      if (bytes.length > MAX_INPUT_BYTES) {
        throw new IOException("larger than " + (MAX_INPUT_BYTES >> 20) + " MB, not an image");
      }
      return bytes;
    }
  }

  /** Where a task's inputs are read from, in the task's order. */
  private interface InputSource extends Closeable {
    byte[] read(InputImage input) throws IOException;
  }

  /** Inputs that are files of their own. */
  private final class FileInputs implements InputSource {
    @Override
    public byte[] read(InputImage input) throws IOException {
      return ShardBuilder.read(hadoop.get(), input);
    }

    @Override
    public void close() {}
  }

  /**
   * Inputs that are members of tars inside an archive file, in the shard's (shuffled) order: each
   * read from its own byte range (a positional read of its headers and data, so one image's bytes
   * are held at a time), wherever it lies in the archive.
   */
  private final class ArchiveInputs implements InputSource {
    private final Map<String, ShardTask.ArchiveRange> ranges = new HashMap<>();
    private final Map<String, FSDataInputStream> files = new HashMap<>();

    ArchiveInputs(ShardTask task) {
      for (int i = 0; i < task.inputs().size(); i++) {
        ranges.put(task.inputs().get(i).location(), task.ranges().get(i));
      }
    }

    @Override
    public byte[] read(InputImage input) throws IOException {
      ShardTask.ArchiveRange range = ranges.get(input.location());
      long length = range.end() - range.start();
      // The member's own headers (long names, PAX) come before its data: a few records at most.
      if (length > MAX_INPUT_BYTES + (64 << 10)) {
        throw new IOException("larger than " + (MAX_INPUT_BYTES >> 20) + " MB, not an image");
      }
      FSDataInputStream file = files.get(range.archive());
      if (file == null) {
        Path path = new Path(range.archive());
        file = path.getFileSystem(hadoop.get()).open(path);
        files.put(range.archive(), file);
      }
      byte[] member = new byte[(int) length];
      file.readFully(range.start(), member);
      String name = input.location().substring(input.location().lastIndexOf('/') + 1);
      try (TarArchiveInputStream tar =
          new TarArchiveInputStream(new ByteArrayInputStream(member))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextTarEntry()) != null) {
          if (entry.isFile() && entry.getName().equals(name)) {
            if (entry.getSize() > MAX_INPUT_BYTES) {
              throw new IOException("larger than " + (MAX_INPUT_BYTES >> 20) + " MB, not an image");
            }
            return tar.readNBytes((int) entry.getSize());
          }
        }
      }
      throw new IOException(
          "not found in bytes "
              + range.start()
              + " to "
              + range.end()
              + " of "
              + range.archive()
              + " (the archive changed since it was planned?)");
    }

    @Override
    public void close() throws IOException {
      for (FSDataInputStream file : files.values()) {
        file.close();
      }
    }
  }
}
