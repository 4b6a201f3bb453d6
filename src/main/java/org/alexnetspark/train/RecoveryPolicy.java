package org.alexnetspark.train;

import java.io.IOException;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.metrics.TrainingGauge;
import org.apache.hadoop.hdfs.protocol.QuotaExceededException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run does when an attempt at training fails (BigDL's rule): a failed Spark job or a storage
 * fault is retried from the last checkpoint up to {@code train.max-retries} times; a configuration
 * error, a quota or a permission is never retried, since a retry cannot mend it. A diverged attempt
 * ends the run, or with {@code train.on-divergence = rollback} goes back to the last checkpoint
 * with the learning rate the schedule gives after a rollback (a tenth), at most {@code
 * train.max-rollbacks} times over the run.
 */
final class RecoveryPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /** One attempt at training, from a starting point to the run's end. */
  @FunctionalInterface
  interface Attempt {
    TrainJob.Result from(StartingPoint start) throws Exception;
  }

  private final TrainConfig config;
  private final LearningRateSchedule schedule;
  private final CheckpointStore checkpoints;

  /**
   * @param config the retry and divergence settings ({@code train.*})
   * @param schedule the learning rate after a rollback
   * @param checkpoints where the last checkpoint is
   */
  RecoveryPolicy(TrainConfig config, LearningRateSchedule schedule, CheckpointStore checkpoints) {
    this.config = config;
    this.schedule = schedule;
    this.checkpoints = checkpoints;
  }

  /**
   * Runs {@code attempt} from {@code start}, and again from the last checkpoint after each failure
   * this policy recovers from.
   *
   * @throws IOException the failure that was not retried, or the last one (a Spark job's failure
   *     wrapped)
   * @throws TrainingDivergedException if the run diverged and may not, or no longer, roll back
   */
  TrainJob.Result run(StartingPoint start, Attempt attempt) throws IOException {
    int failures = 0;
    int rollbacks = start.state().rollbacks();
    while (true) {
      try {
        return attempt.from(start);
      } catch (TrainingDivergedException e) {
        if (config.onDivergence() != TrainConfig.Divergence.ROLLBACK
            || rollbacks >= config.maxRollbacks()) {
          throw e;
        }
        rollbacks++;
        start = rollBack(e, rollbacks);
        TrainingGauge.ROLLBACKS.increment();
      } catch (Exception e) {
        if (!retryable(e) || ++failures > config.maxRetries()) {
          throw asThrown(e);
        }
        LOG.warn(
            "a Spark job failed ({}); retrying from the last checkpoint ({} of {})",
            e.getMessage(),
            failures,
            config.maxRetries());
        start = StartingPoint.latest(checkpoints);
        TrainingGauge.RETRIES.increment();
      }
    }
  }

  /** The last checkpoint, with the rate cut for each rollback made since it was taken. */
  private StartingPoint rollBack(TrainingDivergedException e, int rollbacks) throws IOException {
    StartingPoint last = StartingPoint.latest(checkpoints);
    LearningRateSchedule.State cut =
        schedule.afterRollback(last.state().schedule(), rollbacks - last.state().rollbacks());
    LOG.warn(
        "training diverged in epoch {} at iteration {}; going back to iteration {} "
            + "with learning rate {} (rollback {} of {})",
        e.epoch(),
        e.iteration(),
        last.state().iteration(),
        cut.learningRate(),
        rollbacks,
        config.maxRollbacks());
    return last.with(last.state().rolledBack(rollbacks, cut));
  }

  /**
   * Whether a retry from the last checkpoint may succeed: a failed Spark job or a storage fault (a
   * file that went missing may come back: a restarted DataNode, a NameNode fail-over); never a
   * configuration error, a quota or a permission, wherever in the chain of causes.
   */
  static boolean retryable(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InvalidConfigException
          || cause instanceof AccessControlException
          || cause instanceof QuotaExceededException) {
        return false;
      }
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SparkException || cause instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** {@code e} as the run throws it: unchecked as it is, checked ones as IOExceptions. */
  private static IOException asThrown(Exception e) {
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof IOException io) {
      return io;
    }
    return new IOException(e.getMessage(), e); // e.g. Spark's (checked) SparkException
  }
}
