package org.alexnetspark.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Distributed training ({@code train.*}).
 *
 * @param epochs passes over the training set
 * @param batchPerWorker minibatch each worker fits
 * @param averagingFrequency minibatches per worker between parameter averagings
 * @param averaging how replicas are averaged
 * @param workerPrefetch minibatches prepared ahead by each worker
 * @param workers model replicas; 0 for every task slot Spark gives the job
 * @param roundsPerJob averaging rounds per Spark job
 * @param schedule the learning-rate schedule
 * @param checkpointEveryMinutes extra checkpoints between Spark jobs every this many minutes (0:
 *     never)
 * @param checkpointEveryIterations extra checkpoints every this many iterations (0: never)
 * @param keepLast checkpoints kept besides the best
 * @param maxRetries failed Spark jobs retried from the last checkpoint before the run gives up
 * @param onDivergence what a non-finite loss or parameter leads to
 * @param maxRollbacks rollbacks allowed with {@link Divergence#ROLLBACK}
 * @param evalBatch images per evaluation batch
 * @param seed seed of each epoch's minibatch order
 * @param timeBudgetMinutes training ends after the last epoch that fits in this many minutes of the
 *     run (0: no budget)
 */
public record TrainConfig(
    int epochs,
    int batchPerWorker,
    int averagingFrequency,
    Averaging averaging,
    int workerPrefetch,
    int workers,
    int roundsPerJob,
    Schedule schedule,
    double checkpointEveryMinutes,
    int checkpointEveryIterations,
    int keepLast,
    int maxRetries,
    Divergence onDivergence,
    int maxRollbacks,
    int evalBatch,
    long seed,
    double timeBudgetMinutes)
    implements Serializable {

  /**
   * How replicas are averaged ({@code train.averaging.*}).
   *
   * @param momentum what happens to the momentum between rounds
   * @param precision precision of the parameters on the wire
   * @param transport how workers' parameters reach the driver
   * @param combine where the workers' results are added up
   * @param treeDepth levels of the tree with {@link Combine#TREE} (at least 2)
   */
  public record Averaging(
      Momentum momentum, Precision precision, Transport transport, Combine combine, int treeDepth)
      implements Serializable {
    /** Results added up on the driver (the default). */
    public Averaging(Momentum momentum, Precision precision, Transport transport) {
      this(momentum, precision, transport, Combine.DRIVER, 2);
    }
  }

  /** {@code train.averaging.combine}: where the workers' results are added up each round. */
  public enum Combine {
    /** Every worker's result goes to the driver, which adds them: W payloads in per round. */
    DRIVER("driver"),
    /**
     * Executors add partial sums in a tree (Spark's treeAggregate) and one executor sends the
     * total: one payload into the driver per round whatever the number of executors.
     */
    TREE("tree");

    private final String configName;

    Combine(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** {@code train.averaging.momentum}: the updater state (momentum) between averaging rounds. */
  public enum Momentum {
    /** Shipped to the workers with the parameters and averaged like them. */
    AVERAGED("averaged"),
    /**
     * Never shipped: each replica keeps its own between rounds; the driver's stays as it was. A
     * replica created afresh (new executor) starts from zero.
     */
    LOCAL("local"),
    /** Never shipped: every round starts from zero (dl4j-spark's {@code saveUpdater(false)}). */
    RESET("reset");

    private final String configName;

    Momentum(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** {@code train.averaging.precision}: parameters and momentum on the wire, both ways. */
  public enum Precision {
    /** Full values. */
    FP32("fp32"),
    /** Half precision with a scale per chunk; results carry the change since the broadcast. */
    FP16("fp16");

    private final String configName;

    Precision(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** {@code train.averaging.transport}: how a worker's parameters get to the driver. */
  public enum Transport {
    /** As raw blocks in the executor's block store, read by the driver (Spark-internal API). */
    BLOCKS("blocks"),
    /** Inside the task result (Spark's public API; several serialised copies on the way). */
    RESULTS("results");

    private final String configName;

    Transport(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** What a diverged run does ({@code train.on-divergence}). */
  public enum Divergence {
    /** End the run with an error naming the epoch and iteration. */
    STOP("stop"),
    /** Go back to the last checkpoint with the learning rate divided by 10. */
    ROLLBACK("rollback");

    private final String configName;

    Divergence(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /**
   * {@code train.schedule.*}.
   *
   * @param lastEpochFactor the rate of the run's last epoch is multiplied by this (1: not at all)
   */
  public record Schedule(
      Type type,
      double factor,
      int patience,
      int maxReductions,
      List<Integer> stepEpochs,
      double lastEpochFactor)
      implements Serializable {
    public Schedule {
      stepEpochs = List.copyOf(stepEpochs);
    }
  }

  /** Kinds of learning-rate schedule. */
  public enum Type {
    PLATEAU("plateau"),
    STEP("step");

    private final String configName;

    Type(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  static TrainConfig read(ConfigReader in) {
    List<Integer> steps = new ArrayList<>();
    for (String step : in.strings("train.schedule.step-epochs")) {
      try {
        steps.add(Integer.parseInt(step));
      } catch (NumberFormatException e) {
        in.problem("train.schedule.step-epochs", "must be a list of epoch numbers");
      }
    }
    Schedule schedule =
        new Schedule(
            in.choice("train.schedule.type", Type.class, Type.PLATEAU),
            in.number("train.schedule.factor", v -> v > 0 && v < 1, "must be a number in (0, 1)"),
            in.integer("train.schedule.patience", v -> v >= 1, "must be a whole number >= 1"),
            in.integer("train.schedule.max-reductions", v -> v >= 0, "must be a whole number >= 0"),
            steps,
            in.number(
                "train.schedule.last-epoch-factor",
                v -> v > 0 && v <= 1,
                "must be a number in (0, 1]; 1 leaves the last epoch's rate alone"));
    return new TrainConfig(
        in.integer("train.epochs", v -> v >= 1, "must be a whole number >= 1"),
        in.integer("train.batch-per-worker", v -> v >= 1, "must be a whole number >= 1"),
        in.integer("train.averaging-frequency", v -> v >= 1, "must be a whole number >= 1"),
        new Averaging(
            in.choice("train.averaging.momentum", Momentum.class, Momentum.AVERAGED),
            in.choice("train.averaging.precision", Precision.class, Precision.FP32),
            in.choice("train.averaging.transport", Transport.class, Transport.BLOCKS),
            in.choice("train.averaging.combine", Combine.class, Combine.DRIVER),
            in.integer("train.averaging.tree-depth", v -> v >= 2, "must be a whole number >= 2")),
        in.integer("train.worker-prefetch", v -> v >= 0, "must be a whole number >= 0"),
        in.integer("train.workers", v -> v >= 0, "must be a whole number >= 0 (0: all task slots)"),
        in.integer("train.rounds-per-job", v -> v >= 1, "must be a whole number >= 1"),
        schedule,
        in.number(
            "train.checkpoint.every-minutes", v -> v >= 0, "must be a number >= 0 (0: never)"),
        in.integer("train.checkpoint.every-iterations", v -> v >= 0, "must be a whole number >= 0"),
        in.integer("train.checkpoint.keep-last", v -> v >= 1, "must be a whole number >= 1"),
        in.integer("train.max-retries", v -> v >= 0, "must be a whole number >= 0"),
        in.choice("train.on-divergence", Divergence.class, Divergence.STOP),
        in.integer("train.max-rollbacks", v -> v >= 0, "must be a whole number >= 0"),
        in.integer("train.eval-batch", v -> v >= 1, "must be a whole number >= 1"),
        in.longValue("train.seed", v -> true, "must be a whole number"),
        in.number("train.time-budget", v -> v >= 0, "must be a number of minutes >= 0 (0: none)"));
  }
}
