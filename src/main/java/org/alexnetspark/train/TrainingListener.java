package org.alexnetspark.train;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Something that hangs off the training loop: validation, the learning-rate schedule, checkpoints,
 * metrics, curves, progress. {@link TrainJob}'s loop tells every listener, in order, of each {@link
 * Event}; a listener may return an updated state (validation adds its accuracies, the schedule its
 * next rate), which later listeners and the loop then see. {@link #when} makes a listener act only
 * when its {@link Trigger} fires.
 */
@FunctionalInterface
public interface TrainingListener {

  /** What just happened. */
  sealed interface Event permits Started, RoundEnd, EpochTrained, EpochEnd {}

  /** The run (fresh, warm-started or resumed) is about to fit its first minibatch. */
  record Started() implements Event {}

  /**
   * A Spark job of averaging rounds finished.
   *
   * @param metrics its figures
   * @param lastOfEpoch whether the epoch's end comes next
   */
  record RoundEnd(RoundMetrics metrics, boolean lastOfEpoch) implements Event {}

  /** An epoch's minibatches were all fitted; validation comes next ({@code epoch} is 1-based). */
  record EpochTrained(int epoch) implements Event {}

  /**
   * An epoch is over: validation, the schedule and the records of the epoch act on this event
   * ({@code epoch} is 1-based). A run resumed from a checkpoint taken before its epoch's validation
   * begins with this event.
   */
  record EpochEnd(int epoch) implements Event {}

  /**
   * Acts on {@code event}.
   *
   * @param network the driver's network, holding the averaged parameters and momentum
   * @return the state, updated or not
   */
  TrainingState on(Event event, TrainingState state, ComputationGraph network) throws IOException;

  /** {@code listener}, acting only when {@code trigger} fires (which then starts counting anew). */
  static TrainingListener when(Trigger trigger, TrainingListener listener) {
    return (event, state, network) -> {
      if (!trigger.fires(event, state)) {
        return state;
      }
      TrainingState after = listener.on(event, state, network);
      trigger.fired(after);
      return after;
    };
  }
}
