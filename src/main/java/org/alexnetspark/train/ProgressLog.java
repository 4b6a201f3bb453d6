package org.alexnetspark.train;

import java.time.Duration;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One log line per Spark job (loss, rate, share of time computing, time left) and per epoch. */
final class ProgressLog implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private final int epochs;
  private final long imagesPerEpoch;
  private final long imagesAtStart;
  private final long start = System.nanoTime();

  /**
   * @param epochs epochs of the run
   * @param imagesPerEpoch images in the training set
   * @param imagesAtStart images already fitted when this process started (resumed runs)
   */
  ProgressLog(int epochs, long imagesPerEpoch, long imagesAtStart) {
    this.epochs = epochs;
    this.imagesPerEpoch = imagesPerEpoch;
    this.imagesAtStart = imagesAtStart;
  }

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    if (event instanceof RoundEnd round) {
      RoundMetrics m = round.metrics();
      LOG.info(
          String.format(
              Locale.ROOT,
              "epoch %d/%d iteration %d loss %.4f lr %.3g %.0f img/s "
                  + "(computing %.0f%%) ETA %s",
              m.epoch(),
              epochs,
              m.iteration(),
              m.loss(),
              m.learningRate(),
              m.imagesPerSecond(),
              100 * m.secondsComputing() / m.seconds(),
              eta(state)));
    } else if (event instanceof EpochEnd) {
      EpochMetrics m = state.lastEpoch();
      String validation =
          Double.isNaN(m.valTop1())
              ? "no validation set"
              : String.format(
                  Locale.ROOT, "validation top-1 %.4f top-5 %.4f", m.valTop1(), m.valTop5());
      LOG.info(
          String.format(
              Locale.ROOT,
              "epoch %d/%d done: loss %.4f, %s, %d of %d minibatches "
                  + "fitted%s, next learning rate %.3g, %.0f s",
              m.epoch(),
              epochs,
              m.loss(),
              validation,
              m.fittedMinibatches(),
              m.plannedMinibatches(),
              m.skippedImages() > 0 ? ", " + m.skippedImages() + " images skipped" : "",
              m.nextLearningRate(),
              m.seconds()));
    }
    return state;
  }

  /** Time left at the rate of this process so far. */
  private String eta(TrainingState state) {
    double done = state.images() - imagesAtStart;
    if (done <= 0) {
      return "?";
    }
    double left = (double) imagesPerEpoch * epochs - state.images();
    double elapsed = (System.nanoTime() - start) / 1e9;
    Duration d = Duration.ofSeconds((long) (left * elapsed / done));
    return d.toHours() > 0
        ? d.toHours() + "h" + d.toMinutesPart() + "m"
        : d.toMinutes() + "m" + d.toSecondsPart() + "s";
  }
}
