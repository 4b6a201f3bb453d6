package org.alexnetspark.train.averaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.datavec.spark.util.SerializableHadoopConfig;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.ComputationGraphUtil;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction2;

/**
 * What one Spark task of a round runs: the worker fits every descriptor of its partition, in order,
 * while a loader thread prepares up to {@code prefetch} minibatches ahead; then it returns its
 * result (or null, meaning nothing, if its partition was empty).
 */
final class RoundTask extends AbstractFunction2<TaskContext, Iterator<List<String>>, ExactResult>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ExactWorker worker;
  private final MultiDataSetLoader multiLoader;
  private final DataSetLoader loader;
  private final Broadcast<SerializableHadoopConfig> hadoop;

  /** Null when the count travels with the results instead ({@link PartialSum}). */
  private final LongAccumulator fittedCounter;

  private final int prefetch;

  RoundTask(
      ExactWorker worker,
      MultiDataSetLoader multiLoader,
      DataSetLoader loader,
      Broadcast<SerializableHadoopConfig> hadoop,
      LongAccumulator fittedCounter,
      int prefetch) {
    this.worker = worker;
    this.multiLoader = multiLoader;
    this.loader = loader;
    this.hadoop = hadoop;
    this.fittedCounter = fittedCounter;
    this.prefetch = prefetch;
  }

  @Override
  public ExactResult apply(TaskContext task, Iterator<List<String>> partition) {
    List<String> descriptors = new ArrayList<>();
    while (partition.hasNext()) {
      descriptors.addAll(partition.next());
    }
    return fit(task, descriptors);
  }

  /**
   * Fits {@code descriptors} in order and returns the worker's result (null if there are none). If
   * the attempt fails, the replica goes back to its pool as the attempt found it.
   */
  ExactResult fit(TaskContext task, List<String> descriptors) {
    if (descriptors.isEmpty()) {
      return null;
    }
    worker.begin(descriptors.size());
    try (Loading data = new Loading(descriptors, task)) {
      ComputationGraph network = worker.getInitialModelGraph();
      ExactResult result = null;
      for (int i = 0; i < descriptors.size(); i++) {
        long start = System.nanoTime();
        MultiDataSet next = data.next();
        worker.waited((System.nanoTime() - start) / 1e9);
        result = worker.processMinibatch(next, network, i == descriptors.size() - 1);
      }
      if (fittedCounter != null) {
        fittedCounter.add(result.fitted);
      }
      return result;
    } catch (RuntimeException | Error e) {
      worker.abandon();
      throw e;
    } catch (Exception e) {
      worker.abandon();
      throw new IllegalStateException("worker of round task " + task.partitionId() + " failed", e);
    } finally {
      worker.releaseReplica();
    }
  }

  private MultiDataSet load(String descriptor) throws Exception {
    Source source = new LazySource(descriptor, hadoop);
    return multiLoader != null
        ? multiLoader.load(source)
        : ComputationGraphUtil.toMultiDataSet(loader.load(source));
  }

  /**
   * A path as dl4j's {@link Source}, opened only if the loader asks for its bytes: this project's
   * loaders read the minibatch a descriptor names themselves, and a descriptor need not be a file.
   */
  private record LazySource(String getPath, Broadcast<SerializableHadoopConfig> hadoop)
      implements Source {
    @Override
    public InputStream getInputStream() throws IOException {
      try {
        return FileSystem.get(new URI(getPath), hadoop.value().getConfiguration())
            .open(new Path(new URI(getPath)));
      } catch (URISyntaxException e) {
        throw new IOException("not a path: " + getPath, e);
      }
    }
  }

  /** The task's minibatches in order, loaded ahead on a thread that shares the task's context. */
  private final class Loading implements AutoCloseable {
    private final List<String> descriptors;
    private final ExecutorService thread;
    private final Deque<Future<MultiDataSet>> ahead = new ArrayDeque<>();
    private int submitted;

    Loading(List<String> descriptors, TaskContext task) {
      this.descriptors = descriptors;
      if (prefetch > 0) {
        thread =
            Executors.newSingleThreadExecutor(
                r -> {
                  Thread t =
                      new Thread(
                          () -> {
                            TaskContext$.MODULE$.setTaskContext(
                                task); // GPU pinning and task info in the loader
                            // The loader's arrays, and the byte crops' conversion to floats
                            // (augment.float-conversion), on the task's GPU, not on the device
                            // ND4J would give a new thread.
                            GpuAssignment.pin();
                            try {
                              r.run();
                            } finally {
                              TaskContext$.MODULE$.unset();
                            }
                          },
                          "exact-averaging-loader-" + task.partitionId());
                  t.setDaemon(true);
                  return t;
                });
        while (submitted < descriptors.size() && submitted < prefetch) {
          submit();
        }
      } else {
        thread = null;
      }
    }

    private void submit() {
      String descriptor = descriptors.get(submitted++);
      ahead.addLast(thread.submit(() -> load(descriptor)));
    }

    MultiDataSet next() throws Exception {
      if (thread == null) {
        return load(descriptors.get(submitted++));
      }
      if (ahead.isEmpty()) {
        submit();
      }
      Future<MultiDataSet> head = ahead.pollFirst();
      if (submitted < descriptors.size()) {
        submit();
      }
      try {
        return head.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception ex ? ex : e;
      }
    }

    @Override
    public void close() {
      if (thread != null) {
        thread.shutdownNow();
      }
    }
  }
}
