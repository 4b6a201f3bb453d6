package org.alexnetspark.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Map;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Sha256;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.example.GroupWriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;

/**
 * Writes one shard: a Parquet file of {@link ShardFormat#SCHEMA} records, uncompressed (the JPEGs
 * are already compressed), its {@link ShardSummary} in the footer, and its SHA-256 computed while
 * the bytes go out. The caller writes under a temporary name and renames when {@link #finish}
 * returns.
 */
public final class ShardWriter implements Closeable {
  private final ParquetWriter<Group> writer;
  private final SummaryWriteSupport support;
  private final DigestingFile file;
  private final SimpleGroupFactory groups = new SimpleGroupFactory(ShardFormat.SCHEMA);
  private boolean finished;

  /** The written shard's size and checksum. */
  public record Written(long bytes, String sha256) {}

  /**
   * @param blockSize HDFS block size for the file; at least the shard size keeps a shard in one
   *     block
   */
  public ShardWriter(FileSystem fs, Path path, long rowGroupBytes, long blockSize)
      throws IOException {
    Configuration conf = new Configuration(fs.getConf());
    GroupWriteSupport.setSchema(ShardFormat.SCHEMA, conf);
    this.support = new SummaryWriteSupport();
    this.file = new DigestingFile(fs, path, blockSize);
    this.writer =
        new Builder(file, support)
            .withConf(conf)
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .withRowGroupSize(rowGroupBytes)
            .withPageSize(1 << 20)
            .withDictionaryEncoding(false)
            // Records are whole JPEGs: check the row-group size after every record, not every
            // 100th,
            // so that row groups (the unit a reader holds in memory) stay near
            // data.row-group-bytes.
            .withMinRowCountForPageSizeCheck(1)
            .withMaxRowCountForPageSizeCheck(1)
            .build();
  }

  public void write(StoredImage image) throws IOException {
    Group row =
        groups
            .newGroup()
            .append(ShardFormat.KEY, image.key())
            .append(ShardFormat.LABEL, image.label())
            .append(ShardFormat.WNID, image.wnid())
            .append(ShardFormat.JPEG, Binary.fromConstantByteArray(image.jpeg()));
    writer.write(row);
  }

  /** Writes the footer with {@code summary} and closes the file. */
  public Written finish(ShardSummary summary) throws IOException {
    support.summary = Json.write(summary);
    writer.close();
    finished = true;
    return new Written(file.bytes, Sha256.hex(file.digest));
  }

  /** Abandons an unfinished shard (the caller deletes the temporary file). */
  @Override
  public void close() throws IOException {
    if (!finished) {
      writer.close();
    }
  }

  private static final class SummaryWriteSupport extends GroupWriteSupport {
    private String summary = "{}";

    @Override
    public WriteSupport.FinalizedWriteContext finalizeWrite() {
      return new WriteSupport.FinalizedWriteContext(Map.of(ShardFormat.SUMMARY_KEY, summary));
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Group, Builder> {
    private final WriteSupport<Group> support;

    Builder(OutputFile file, WriteSupport<Group> support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Group> getWriteSupport(Configuration conf) {
      return support;
    }
  }

  /** A Parquet output file on a Hadoop FileSystem that digests every byte written. */
  private static final class DigestingFile implements OutputFile {
    private final FileSystem fs;
    private final Path path;
    private final long blockSize;
    private final MessageDigest digest;
    private long bytes;

    DigestingFile(FileSystem fs, Path path, long blockSize) {
      this.fs = fs;
      this.path = path;
      this.blockSize = blockSize;
      this.digest = Sha256.digest();
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return open(false);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      return open(true);
    }

    private PositionOutputStream open(boolean overwrite) throws IOException {
      OutputStream out =
          new DigestOutputStream(
              fs.create(
                  path,
                  overwrite,
                  fs.getConf().getInt("io.file.buffer.size", 65536),
                  fs.getDefaultReplication(path),
                  blockSize),
              digest);
      return new PositionOutputStream() {
        @Override
        public long getPos() {
          return bytes;
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          bytes += len;
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
    }

    @Override
    public boolean supportsBlockSize() {
      return true;
    }

    @Override
    public long defaultBlockSize() {
      return blockSize;
    }

    @Override
    public String getPath() {
      return path.toString();
    }
  }
}
