package org.alexnetspark.spark;

import java.io.IOException;
import java.net.URI;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Tables written by Spark SQL as Parquet folders, atomically: Spark writes into a hidden temporary
 * folder beside the destination ({@link Storage#writeFolder}), which is renamed into place only
 * when the job and its commit are complete.
 */
public final class ParquetTables {

  /** Files written into the table's folder after its rows, before the rename. */
  @FunctionalInterface
  public interface Extras {
    void write(FileSystem fs, Path folder, long rows) throws IOException;
  }

  private ParquetTables() {}

  /**
   * Writes {@code table} to {@code output}, which must not exist.
   *
   * @return rows written, counted from the files' footers (accumulators in a transformation would
   *     count retried tasks twice)
   * @throws Storage.ArtifactExistsException if {@code output} exists
   */
  public static long write(Storage storage, Dataset<Row> table, URI output, Extras extras)
      throws IOException {
    long[] rows = new long[1];
    storage.writeFolder(
        output,
        false,
        (fs, folder) -> {
          // The folder exists already (made by writeFolder): Spark replaces it.
          table.write().mode(SaveMode.Overwrite).parquet(folder.toString());
          rows[0] = rows(fs, folder);
          if (extras != null) {
            extras.write(fs, folder, rows[0]);
          }
        });
    return rows[0];
  }

  /** Rows in the Parquet files of {@code folder} (names starting with "." or "_" skipped). */
  public static long rows(FileSystem fs, Path folder) throws IOException {
    long rows = 0;
    for (FileStatus file : fs.listStatus(folder)) {
      String name = file.getPath().getName();
      if (file.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
        try (ParquetFileReader reader =
            ParquetFileReader.open(HadoopInputFile.fromPath(file.getPath(), fs.getConf()))) {
          rows += reader.getRecordCount();
        }
      }
    }
    return rows;
  }
}
