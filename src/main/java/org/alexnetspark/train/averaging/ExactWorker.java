package org.alexnetspark.train.averaging;

import java.util.ArrayList;
import java.util.Collection;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.util.ComputationGraphUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * One round's worker, shipped inside every task of the round: borrows (or, the first time in an
 * executor JVM, builds) a replica, sets the round's parameters into it from the broadcast, fits the
 * minibatches it is handed, checks that loss and parameters are finite and returns them compactly.
 * ComputationGraph only; the MultiLayerNetwork methods of {@link TrainingWorker} are unsupported.
 */
public final class ExactWorker implements TrainingWorker<ExactResult> {
  private static final long serialVersionUID = 1L;

  private final Settings settings;
  private final String runId;
  private final int round;
  private final Broadcast<RoundBroadcast> broadcast;
  private final Collection<TrainingListener> listeners;
  private Collection<TrainingHook> hooks;

  /** Driver side only: payload bytes of the broadcast. */
  transient long broadcastBytes;

  private transient ReplicaPool.Replica replica;
  private transient int received;
  private transient int fitted;
  private transient double lossSum;
  private transient boolean replicaCreated;
  private transient double[] seconds;

  /** This attempt saved the replica's local momentum before fitting (see {@link #abandon}). */
  private transient boolean momentumSaved;

  ExactWorker(
      Settings settings,
      String runId,
      int round,
      Broadcast<RoundBroadcast> broadcast,
      Collection<TrainingListener> listeners,
      Collection<TrainingHook> hooks) {
    this.settings = settings;
    this.runId = runId;
    this.round = round;
    this.broadcast = broadcast;
    this.listeners = listeners;
    this.hooks = hooks;
  }

  Broadcast<RoundBroadcast> broadcast() {
    return broadcast;
  }

  /** Starts a task that was handed {@code descriptors} minibatches. */
  void begin(int descriptors) {
    received = descriptors;
    fitted = 0;
    lossSum = 0;
    replicaCreated = false;
    momentumSaved = false;
    seconds = new double[ExactResult.TIMINGS.length];
  }

  @Override
  public ComputationGraph getInitialModelGraph() {
    if (seconds == null) {
      begin(0);
    }
    long start = System.nanoTime();
    String gpu = GpuAssignment.pin();
    String device = gpu == null ? "cpu" : "gpu" + gpu;
    RoundBroadcast value = broadcast.value();
    if (!runId.equals(value.runId) || value.round != round) {
      throw new IllegalStateException(
          "broadcast of run "
              + value.runId
              + " round "
              + value.round
              + " handed to a worker of run "
              + runId
              + " round "
              + round);
    }
    long t = lap(start, 0);
    replica = ReplicaPool.borrow(runId, device);
    if (replica != null && !replica.configuration.equals(value.configuration)) {
      ReplicaPool.discard(replica); // e.g. a new learning rate: rebuild from the new configuration
      replica = null;
    }
    ComputationGraph network;
    if (replica == null) {
      network = new ComputationGraph(ComputationGraphConfiguration.fromJson(value.configuration));
      INDArray parameters = Nd4j.createUninitialized(DataType.FLOAT, 1, value.parameters.length());
      value.parameters.decodeInto(parameters);
      network.init(parameters, false);
      replica = new ReplicaPool.Replica(runId, device, network, value.configuration);
      replicaCreated = true;
    } else {
      network = replica.network;
    }
    t = lap(t, 1);
    if (!replicaCreated) {
      value.parameters.decodeInto(network.params());
    }
    INDArray state = network.getUpdater().getStateViewArray();
    switch (settings.momentum()) {
      case AVERAGED -> value.momentum.decodeInto(state);
      case RESET -> state.assign(0);
      case LOCAL -> {}
    }
    if (settings.momentum() == TrainConfig.Momentum.LOCAL) {
      // Kept so that a failed attempt can give the replica back as it found it: its parameters
      // are reset from the broadcast anyway, its local momentum would not be.
      replica.savedMomentum = copyInto(replica.savedMomentum, state);
      momentumSaved = true;
    }
    network.getConfiguration().setIterationCount(value.iterationCount);
    network.getConfiguration().setEpochCount(value.epochCount);
    if (settings.precision() == TrainConfig.Precision.FP16) {
      replica.startParameters = copyInto(replica.startParameters, network.params());
      if (settings.momentum() == TrainConfig.Momentum.AVERAGED) {
        replica.startMomentum = copyInto(replica.startMomentum, state);
      }
    }
    if (listeners != null) {
      network.setListeners(listeners);
    }
    lap(t, 2);
    return network;
  }

  /** Time spent waiting for the next minibatch (measured by the task). */
  void waited(double secondsWaiting) {
    seconds[3] += secondsWaiting;
  }

  @Override
  public ExactResult processMinibatch(MultiDataSet data, ComputationGraph network, boolean isLast) {
    if (hooks != null) {
      for (TrainingHook hook : hooks) {
        hook.preUpdate(data, network);
      }
    }
    long start = System.nanoTime();
    network.fit(data);
    lossSum += network.score();
    fitted++;
    lap(start, 4);
    if (hooks != null) {
      for (TrainingHook hook : hooks) {
        hook.postUpdate(data, network);
      }
    }
    return isLast ? getFinalResult(network) : null;
  }

  @Override
  public ExactResult getFinalResult(ComputationGraph network) {
    long start = System.nanoTime();
    INDArray parameters = network.params();
    INDArray state = network.getUpdater().getStateViewArray();
    boolean averagedMomentum = settings.momentum() == TrainConfig.Momentum.AVERAGED;
    StringBuilder problem = new StringBuilder();
    if (!Double.isFinite(lossSum)) {
      problem.append("loss ").append(lossSum).append("; ");
    }
    checkFinite("parameters", parameters, problem);
    if (averagedMomentum) {
      checkFinite("momentum", state, problem);
    }
    boolean finite = problem.length() == 0;
    long t = lap(start, 5);
    Payload encodedParameters = null;
    Payload encodedMomentum = null;
    boolean delta = settings.precision() == TrainConfig.Precision.FP16;
    if (finite) {
      if (delta) {
        encodedParameters =
            Payload.encode(replica.startParameters.rsubi(parameters), settings.precision());
        if (averagedMomentum) {
          encodedMomentum =
              Payload.encode(replica.startMomentum.rsubi(state), settings.precision());
        }
      } else {
        encodedParameters = Payload.encode(parameters, settings.precision());
        if (averagedMomentum) {
          encodedMomentum = Payload.encode(state, settings.precision());
        }
      }
    }
    TaskContext task = TaskContext.get();
    String parametersBlock = null;
    String momentumBlock = null;
    // In a tree the payloads travel inside the partial sums, through Spark's shuffle.
    if (finite
        && settings.transport() == TrainConfig.Transport.BLOCKS
        && settings.combine() == TrainConfig.Combine.DRIVER
        && task != null) {
      parametersBlock =
          BlockTransport.put(
              runId,
              round,
              task.partitionId(),
              task.taskAttemptId(),
              "parameters",
              encodedParameters);
      encodedParameters = encodedParameters.detach();
      if (encodedMomentum != null) {
        momentumBlock =
            BlockTransport.put(
                runId,
                round,
                task.partitionId(),
                task.taskAttemptId(),
                "momentum",
                encodedMomentum);
        encodedMomentum = encodedMomentum.detach();
      }
    }
    lap(t, 6);
    ExactResult result =
        new ExactResult(
            runId,
            round,
            task == null ? -1 : task.partitionId(),
            task == null ? 0 : task.attemptNumber(),
            SparkEnv.get() == null ? "?" : SparkEnv.get().executorId(),
            received,
            fitted,
            lossSum,
            finite,
            finite ? null : problem.toString(),
            encodedParameters,
            encodedMomentum,
            delta,
            seconds.clone(),
            replicaCreated,
            parametersBlock,
            momentumBlock);
    releaseReplica();
    return result;
  }

  /**
   * After a failed attempt: restores the replica's local momentum to what it was before the attempt
   * fitted anything, then returns it to the pool; so a retry (here or elsewhere) fits every
   * minibatch as if the failed attempt had never run.
   */
  void abandon() {
    if (replica != null && momentumSaved) {
      replica.network.getUpdater().getStateViewArray().assign(replica.savedMomentum);
    }
    momentumSaved = false;
    releaseReplica();
  }

  /** Returns the replica to its pool (also when the task failed: the next round resets it). */
  void releaseReplica() {
    if (replica != null) {
      ReplicaPool.release(replica);
      replica = null;
    }
  }

  static void checkFinite(String what, INDArray array, StringBuilder problem) {
    // One fast pass: a sum of finite float32 values of network size cannot overflow unless values
    // are near 1e30, which counts as broken too. Count the culprits only when it is not finite.
    if (Double.isFinite(array.sumNumber().doubleValue())) {
      return;
    }
    long nan = Nd4j.getExecutioner().exec(new MatchCondition(array, Conditions.isNan())).getLong(0);
    long inf =
        Nd4j.getExecutioner().exec(new MatchCondition(array, Conditions.isInfinite())).getLong(0);
    problem
        .append(what)
        .append(": ")
        .append(nan)
        .append(" NaN, ")
        .append(inf)
        .append(" infinite of ")
        .append(array.length())
        .append("; ");
  }

  private static INDArray copyInto(INDArray target, INDArray source) {
    if (target == null || target.length() != source.length()) {
      target = Nd4j.createUninitialized(DataType.FLOAT, source.shape());
    }
    return target.assign(source);
  }

  private long lap(long since, int slot) {
    long now = System.nanoTime();
    seconds[slot] += (now - since) / 1e9;
    return now;
  }

  @Override
  public WorkerConfiguration getDataConfiguration() {
    return new WorkerConfiguration(true, 1, 1, settings.frequency(), settings.prefetch(), false);
  }

  @Override
  public long getInstanceId() {
    return round;
  }

  @Override
  public void addHook(TrainingHook hook) {
    if (hooks == null) {
      hooks = new ArrayList<>();
    }
    hooks.add(hook);
  }

  @Override
  public void removeHook(TrainingHook hook) {
    if (hooks != null) {
      hooks.remove(hook);
    }
  }

  @Override
  public ExactResult processMinibatch(DataSet data, ComputationGraph network, boolean isLast) {
    return processMinibatch(ComputationGraphUtil.toMultiDataSet(data), network, isLast);
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> processMinibatchWithStats(
      MultiDataSet data, ComputationGraph network, boolean isLast) {
    ExactResult result = processMinibatch(data, network, isLast);
    return result == null ? null : new Pair<>(result, null);
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> processMinibatchWithStats(
      DataSet data, ComputationGraph network, boolean isLast) {
    ExactResult result = processMinibatch(data, network, isLast);
    return result == null ? null : new Pair<>(result, null);
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> getFinalResultWithStats(ComputationGraph network) {
    return new Pair<>(getFinalResult(network), null);
  }

  /** A worker that received nothing returns nothing and is left out of the average. */
  @Override
  public ExactResult getFinalResultNoData() {
    return null;
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> getFinalResultNoDataWithStats() {
    return null;
  }

  @Override
  public MultiLayerNetwork getInitialModel() {
    throw new UnsupportedOperationException("ComputationGraph only");
  }

  @Override
  public ExactResult processMinibatch(DataSet data, MultiLayerNetwork network, boolean isLast) {
    throw new UnsupportedOperationException("ComputationGraph only");
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> processMinibatchWithStats(
      DataSet data, MultiLayerNetwork network, boolean isLast) {
    throw new UnsupportedOperationException("ComputationGraph only");
  }

  @Override
  public ExactResult getFinalResult(MultiLayerNetwork network) {
    throw new UnsupportedOperationException("ComputationGraph only");
  }

  @Override
  public Pair<ExactResult, SparkTrainingStats> getFinalResultWithStats(MultiLayerNetwork network) {
    throw new UnsupportedOperationException("ComputationGraph only");
  }
}
