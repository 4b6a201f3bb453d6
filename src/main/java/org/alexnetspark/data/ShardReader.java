package org.alexnetspark.data;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.io.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;

/**
 * Reads a shard one row group at a time (the unit a streaming reader holds and shuffles in memory).
 */
public final class ShardReader implements Closeable {
  private final ParquetFileReader reader;
  private final Path path;

  private ShardReader(ParquetFileReader reader, Path path) {
    this.reader = reader;
    this.path = path;
  }

  public static ShardReader open(Configuration conf, Path path) throws IOException {
    return new ShardReader(ParquetFileReader.open(HadoopInputFile.fromPath(path, conf)), path);
  }

  public int rowGroups() {
    return reader.getRowGroups().size();
  }

  public long records() {
    return reader.getRecordCount();
  }

  /** Rows in row group {@code index}. */
  public long records(int index) {
    return reader.getRowGroups().get(index).getRowCount();
  }

  /** The summary written by {@link ShardWriter#finish}. */
  public ShardSummary summary() {
    String json = reader.getFileMetaData().getKeyValueMetaData().get(ShardFormat.SUMMARY_KEY);
    if (json == null) {
      throw new IllegalStateException(
          path
              + " is not an alexnet-spark shard (no "
              + ShardFormat.SUMMARY_KEY
              + " in its footer)");
    }
    return Json.read(json, ShardSummary.class, path + " footer");
  }

  /** All records of row group {@code index}, in stored order. */
  public List<StoredImage> readRowGroup(int index) throws IOException {
    PageReadStore pages = reader.readRowGroup(index);
    MessageColumnIO io = new ColumnIOFactory().getColumnIO(ShardFormat.SCHEMA);
    RecordReader<Group> rows =
        io.getRecordReader(pages, new GroupRecordConverter(ShardFormat.SCHEMA));
    List<StoredImage> images = new ArrayList<>((int) pages.getRowCount());
    for (long i = 0; i < pages.getRowCount(); i++) {
      Group row = rows.read();
      images.add(
          new StoredImage(
              row.getString(ShardFormat.KEY, 0),
              row.getInteger(ShardFormat.LABEL, 0),
              row.getString(ShardFormat.WNID, 0),
              row.getBinary(ShardFormat.JPEG, 0).getBytes()));
    }
    return images;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
