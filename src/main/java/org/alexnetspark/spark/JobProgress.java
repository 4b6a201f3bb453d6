package org.alexnetspark.spark;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long Spark job, logged on the driver every few seconds: items done of the total,
 * rejected items, rate and time left. Tasks add to {@link #done()} and {@link #rejected()}; Spark
 * reports those when each task ends.
 */
public final class JobProgress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobProgress.class);

  private final String job;
  private final String unit;
  private final long total;
  private final LongAccumulator done;
  private final LongAccumulator rejected;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService timer;
  private long lastReported = -1;

  public JobProgress(
      JavaSparkContext context, String job, String unit, long total, Duration every) {
    this.job = job;
    this.unit = unit;
    this.total = total;
    this.done = context.sc().longAccumulator(job + " " + unit + " done");
    this.rejected = context.sc().longAccumulator(job + " " + unit + " rejected");
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, job + "-progress");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleAtFixedRate(
        this::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  public LongAccumulator done() {
    return done;
  }

  public LongAccumulator rejected() {
    return rejected;
  }

  private synchronized void report() {
    long count = done.value() + rejected.value();
    if (count == lastReported) {
      return;
    }
    lastReported = count;
    LOG.info(line(count));
  }

  /**
   * One progress line, e.g. "prepare: 1,200/60,000 images (2.0%), 3 rejected, 310/s, 3m10s left".
   */
  String line(long count) {
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = count / Math.max(seconds, 1e-9);
    String left =
        rate > 0 && total > count
            ? ", " + format(Duration.ofSeconds((long) ((total - count) / rate))) + " left"
            : "";
    return String.format(
        Locale.ROOT,
        "%s: %,d/%,d %s (%.1f%%), %,d rejected, %.0f %s/s%s",
        job,
        count,
        total,
        unit,
        100.0 * count / Math.max(total, 1),
        rejected.value(),
        rate,
        unit,
        left);
  }

  private static String format(Duration d) {
    return d.toHours() > 0
        ? d.toHours() + "h" + d.toMinutesPart() + "m"
        : d.toMinutes() > 0 ? d.toMinutes() + "m" + d.toSecondsPart() + "s" : d.toSeconds() + "s";
  }

  @Override
  public void close() {
    timer.shutdownNow();
    LOG.info(
        line(done.value() + rejected.value())
            + String.format(
                Locale.ROOT, " in %s", format(Duration.ofNanos(System.nanoTime() - start))));
  }
}
