package org.alexnetspark.stats;

import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.ShardVerification;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;

/** On the executors: the moments of the shards of one partition. */
final class ShardMoments implements FlatMapFunction<Iterator<String>, RgbMoments> {
  private static final long serialVersionUID = 1L;

  private final int size;
  private final JpegDecoder.Kind decoder;
  private final HadoopConf hadoop;
  private final LongAccumulator done;

  ShardMoments(int size, JpegDecoder.Kind decoder, HadoopConf hadoop, LongAccumulator done) {
    this.size = size;
    this.decoder = decoder;
    this.hadoop = hadoop;
    this.done = done;
  }

  @Override
  public Iterator<RgbMoments> call(Iterator<String> shards) throws IOException {
    RgbMoments moments = new RgbMoments(size);
    JpegDecoder jpeg = JpegDecoder.of(decoder);
    Image image = new Image();
    while (shards.hasNext()) {
      URI shard = URI.create(shards.next());
      Path path = new Path(shard);
      ShardVerification.verify(
          hadoop.get(), shard, ShardVerification.manifestOf(hadoop.get(), shard));
      try (ShardReader reader = ShardReader.open(hadoop.get(), path)) {
        for (int group = 0; group < reader.rowGroups(); group++) {
          for (StoredImage stored : reader.readRowGroup(group)) {
            if (!jpeg.decode(stored.jpeg(), (long) size * size, image)
                || image.width() != size
                || image.height() != size) {
              throw new IOException(
                  "cannot decode record "
                      + stored.key()
                      + " of "
                      + path
                      + " as "
                      + size
                      + "x"
                      + size);
            }
            moments.add(image);
          }
          done.add(reader.records(group));
        }
      }
    }
    return List.of(moments).iterator();
  }
}
