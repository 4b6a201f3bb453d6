package org.alexnetspark.inference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * On the executors: runs a broadcast network over one partition's shards, minibatch by minibatch,
 * and turns each minibatch into rows. The task pins its GPU (if any) and rebuilds the network once
 * per partition; minibatches whose images could all not be decoded are skipped.
 *
 * @param <T> one row per image
 */
public abstract class ShardInference<T> implements FlatMapFunction<Iterator<List<Minibatch>>, T> {
  private static final long serialVersionUID = 1L;
  private final Broadcast<NetworkCopy> network;
  private final MinibatchReader reader;

  protected ShardInference(Broadcast<NetworkCopy> network, MinibatchReader reader) {
    this.network = network;
    this.reader = reader;
  }

  @Override
  public final Iterator<T> call(Iterator<List<Minibatch>> shards) throws IOException {
    List<T> out = new ArrayList<>();
    if (!shards.hasNext()) {
      return out.iterator();
    }
    GpuAssignment.pin();
    ComputationGraph graph = network.value().rebuild();
    int crops = reader.options().preset().cropsPerImage();
    while (shards.hasNext()) {
      for (Minibatch minibatch : shards.next()) {
        Batch batch = reader.read(minibatch);
        if (batch.images() > 0) {
          addRows(graph, minibatch, batch, crops, out);
        }
      }
    }
    return out.iterator();
  }

  /**
   * Adds the rows of one minibatch's {@code batch} (at least one image, {@code crops} crops per
   * image) to {@code out}.
   */
  protected abstract void addRows(
      ComputationGraph graph, Minibatch minibatch, Batch batch, int crops, List<T> out);
}
