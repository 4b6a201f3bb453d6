package org.alexnetspark.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.model.AlexNet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.data.StringAggregator;

/**
 * Where one training step's time goes: fits the network on random images with ND4J's op profiler on
 * and prints the time per native op, per step, beside the whole step's wall time (the rest is
 * Java-side work: workspaces, views, the updater's bookkeeping). For profiling, not for rates: the
 * profiler itself slows the step a little; rates come from {@code alexnet bench train}.
 *
 * <pre>java -cp ... org.alexnetspark.bench.FitProfile [batch [steps [key=value ...]]]</pre>
 */
public final class FitProfile {
  private FitProfile() {}

  public static void main(String[] args) {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    List<String> overrides = new ArrayList<>(List.of("model.variant=paper"));
    overrides.addAll(List.of(args).subList(Math.min(2, args.length), args.length));
    AlexNetConfig config = AlexNetConfig.load(List.of(), overrides);
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    MultiDataSet data = TrainBenchmark.randomBatch(config, batch);
    network.fit(data);
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      network.fit(data);
    }
    double plain = (System.nanoTime() - start) / 1e6 / steps;
    Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
    OpProfiler.getInstance().reset();
    OpTimes times = new OpTimes();
    OpProfiler.getInstance().setClassAggergator(times);
    start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      network.fit(data);
    }
    double profiled = (System.nanoTime() - start) / 1e6 / steps;
    Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
    System.out.printf(
        Locale.ROOT,
        "step %.0f ms unprofiled (%.1f img/s), %.0f ms profiled; ops:%n",
        plain,
        batch * 1000 / plain,
        profiled);
    double total = times.nanos.values().stream().mapToLong(LongAdder::sum).sum() / 1e6 / steps;
    times.nanos.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "%-34s %8.1f ms %5.1f%% %6d calls%n",
                    e.getKey(),
                    e.getValue().sum() / 1e6 / steps,
                    100 * e.getValue().sum() / 1e6 / steps / profiled,
                    times.calls.get(e.getKey()).sum() / steps));
    System.out.printf(
        Locale.ROOT, "%-34s %8.1f ms %5.1f%%%n", "(all ops)", total, 100 * total / profiled);
    System.out.printf(
        Locale.ROOT,
        "%-34s %8.1f ms %5.1f%%%n",
        "(outside ops)",
        profiled - total,
        100 * (profiled - total) / profiled);
  }

  /** The profiler's time per op, by op name (ND4J's own aggregator keeps it by op kind only). */
  private static final class OpTimes extends StringAggregator {
    final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();
    final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

    @Override
    public void putTime(String key, Op op, long time) {
      add(op.opName(), time);
    }

    @Override
    public void putTime(String key, CustomOp op, long time) {
      // Convolutions by input shape (one per layer and tower), products by operand shapes and
      // orders.
      String name = op.opName();
      if (name.startsWith("conv2d") && op.numInputArguments() > 0) {
        name += " " + shape(op.inputArguments().get(0));
      } else if (name.equals("matmul") && op.numInputArguments() > 1) {
        name +=
            " "
                + shape(op.inputArguments().get(0))
                + "x"
                + shape(op.inputArguments().get(1))
                + " t"
                + Arrays.toString(op.iArgs()).replace(" ", "");
      }
      add(name, time);
    }

    private static String shape(INDArray array) {
      return Arrays.toString(array.shape()).replace(" ", "") + array.ordering();
    }

    private void add(String name, long time) {
      nanos.computeIfAbsent(name, k -> new LongAdder()).add(time);
      calls.computeIfAbsent(name, k -> new LongAdder()).increment();
    }
  }
}
