package org.alexnetspark.data;

import java.util.Locale;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The shard file format: Parquet, one row per image.
 *
 * <pre>
 * message alexnet_image {
 *   required binary key (STRING);   -- wnid/file name without extension
 *   required int32 label;           -- index in the manifest's label map
 *   required binary wnid (STRING);  -- class folder name
 *   required binary jpeg;           -- data.image-size square RGB image, JPEG
 * }
 * </pre>
 *
 * Any Parquet reader (Spark SQL, pandas/pyarrow, DuckDB) reads shards directly. The footer's
 * key-value metadata holds the shard's {@link ShardSummary} as JSON under {@link #SUMMARY_KEY}.
 */
public final class ShardFormat {
  public static final String KEY = "key";
  public static final String LABEL = "label";
  public static final String WNID = "wnid";
  public static final String JPEG = "jpeg";
  public static final String SUMMARY_KEY = "alexnet.shard.summary";
  public static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message alexnet_image {\n"
              + "  required binary key (STRING);\n"
              + "  required int32 label;\n"
              + "  required binary wnid (STRING);\n"
              + "  required binary jpeg;\n"
              + "}");

  /** Manifest file name inside a dataset folder. */
  public static final String MANIFEST = "manifest.json";

  private ShardFormat() {}

  /** {@code shard-00012-of-00040.parquet}. */
  public static String shardName(int index, int count) {
    return String.format(Locale.ROOT, "shard-%05d-of-%05d.parquet", index, count);
  }
}
