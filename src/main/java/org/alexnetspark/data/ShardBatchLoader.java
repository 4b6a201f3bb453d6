package org.alexnetspark.data;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Runs on the workers: turns a {@link MinibatchPlan} descriptor into a minibatch, reading the row
 * group from the shard, shuffling it for the epoch, taking this batch's share, then decoding and
 * augmenting. The last row group read is kept, so consecutive batches of one row group read it
 * once. Called on the worker's prefetch thread, which it first pins to the task's GPU.
 */
public final class ShardBatchLoader implements MultiDataSetLoader {
  private static final long serialVersionUID = 1L;

  private final Broadcast<Augmenter> augmenter;
  private final HadoopConf hadoop;
  private final JpegDecoder.Kind decoder;
  private final int classes;
  private final Preset preset;
  private final long seed;
  private final int epoch;
  private transient BatchAssembler assembler;
  private transient String cachedKey;
  private transient List<StoredImage> cached;
  private transient boolean pinned;

  public ShardBatchLoader(Broadcast<Augmenter> augmenter, HadoopConf hadoop, JpegDecoder.Kind decoder,
      int classes, Preset preset, long seed, int epoch) {
    this.augmenter = augmenter;
    this.hadoop = hadoop;
    this.decoder = decoder;
    this.classes = classes;
    this.preset = preset;
    this.seed = seed;
    this.epoch = epoch;
  }

  @Override
  public synchronized MultiDataSet load(Source source) throws IOException {
    if (!pinned) {
      GpuAssignment.pin();
      pinned = true;
    }
    if (assembler == null) {
      assembler = new BatchAssembler(JpegDecoder.of(decoder), augmenter.value(), preset, classes,
          seed, epoch);
    }
    MinibatchPlan.Batch batch = MinibatchPlan.Batch.parse(source.getPath());
    List<StoredImage> group = rowGroup(batch);
    List<StoredImage> slice = group.subList(batch.from(group.size()), batch.to(group.size()));
    return assembler.assemble(slice, batch.shard()).toMultiDataSet();
  }

  private List<StoredImage> rowGroup(MinibatchPlan.Batch batch) throws IOException {
    String key = batch.shard() + "#" + batch.rowGroup();
    if (!key.equals(cachedKey)) {
      try (ShardReader reader = ShardReader.open(hadoop.get(), new Path(URI.create(batch.shard())))) {
        List<StoredImage> group = new ArrayList<>(reader.readRowGroup(batch.rowGroup()));
        if (preset == Preset.TRAIN) {
          Collections.shuffle(group, new Random(seed * 31 + epoch * 1_000_003L + key.hashCode()));
        }
        cached = group;
        cachedKey = key;
      }
    }
    return cached;
  }
}
