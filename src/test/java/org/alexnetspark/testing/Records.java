package org.alexnetspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.Path;

/** The records of a prepared dataset read straight from its shards, in stored order. */
public final class Records {
  /**
   * One record and where it is stored.
   *
   * @param shard the shard file's URI
   * @param rowGroup the row group holding it
   */
  public record Located(StoredImage image, String shard, int rowGroup) {}

  private Records() {}

  public static List<Located> of(Storage storage, URI dataset) {
    try {
      List<Located> records = new ArrayList<>();
      for (URI shard : Manifest.read(storage, dataset).shardUris(dataset)) {
        try (ShardReader reader =
            ShardReader.open(storage.hadoopConfiguration(), new Path(shard))) {
          for (int g = 0; g < reader.rowGroups(); g++) {
            for (StoredImage image : reader.readRowGroup(g)) {
              records.add(new Located(image, shard.toString(), g));
            }
          }
        }
      }
      return records;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
