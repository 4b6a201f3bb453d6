package org.alexnetspark.train;

import java.util.function.LongSupplier;

/**
 * When a listener acts (after BigDL's triggers): every epoch, every N iterations, every T minutes,
 * or any of these. A trigger is asked at every {@link TrainingListener.Event}; once its listener
 * has acted it is told so ({@link #fired}) and counts from there.
 */
public interface Trigger {

  /** Whether the listener should act on {@code event}. */
  boolean fires(TrainingListener.Event event, TrainingState state);

  /** The listener acted at {@code state}. */
  default void fired(TrainingState state) {}

  /** Fires when either fires; both count anew whenever the listener acts. */
  default Trigger or(Trigger other) {
    Trigger self = this;
    return new Trigger() {
      @Override
      public boolean fires(TrainingListener.Event event, TrainingState state) {
        return self.fires(event, state) | other.fires(event, state);
      }

      @Override
      public void fired(TrainingState state) {
        self.fired(state);
        other.fired(state);
      }
    };
  }

  /** At the end of every epoch ({@link TrainingListener.EpochEnd}). */
  static Trigger everyEpoch() {
    return (event, state) -> event instanceof TrainingListener.EpochEnd;
  }

  /**
   * When an epoch's training is done, before its validation ({@link
   * TrainingListener.EpochTrained}).
   */
  static Trigger epochTrained() {
    return (event, state) -> event instanceof TrainingListener.EpochTrained;
  }

  /** At the start of the run if {@code when}, and never again. */
  static Trigger atStart(boolean when) {
    return (event, state) -> when && event instanceof TrainingListener.Started;
  }

  /**
   * Between Spark jobs within an epoch, once {@code iterations} iterations have passed since the
   * listener last acted or since {@code from}, where the run started (never just before an epoch's
   * end, which has its own trigger); 0 never fires.
   */
  static Trigger everyIterations(long iterations, long from) {
    return new Trigger() {
      private long last = from;

      @Override
      public boolean fires(TrainingListener.Event event, TrainingState state) {
        return iterations > 0
            && event instanceof TrainingListener.RoundEnd round
            && !round.lastOfEpoch()
            && state.iteration() - last >= iterations;
      }

      @Override
      public void fired(TrainingState state) {
        last = state.iteration();
      }
    };
  }

  /**
   * Between Spark jobs within an epoch, once {@code minutes} have passed since the listener last
   * acted or the run started; 0 never fires.
   */
  static Trigger everyMinutes(double minutes, LongSupplier nanoTime) {
    return new Trigger() {
      private long last = nanoTime.getAsLong();

      @Override
      public boolean fires(TrainingListener.Event event, TrainingState state) {
        return minutes > 0
            && event instanceof TrainingListener.RoundEnd round
            && !round.lastOfEpoch()
            && (nanoTime.getAsLong() - last) / 60e9 >= minutes;
      }

      @Override
      public void fired(TrainingState state) {
        last = nanoTime.getAsLong();
      }
    };
  }
}
