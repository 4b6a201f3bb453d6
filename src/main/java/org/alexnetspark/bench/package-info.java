/**
 * Benchmarks behind {@code alexnet bench} ({@link org.alexnetspark.bench.SideBySideBenchmark}):
 * each measured rate printed beside what it is compared to, measured in the same run, as one {@link
 * org.alexnetspark.bench.BenchTable}. Sections: fitting and inference against a PyTorch script of
 * the same network ({@link org.alexnetspark.bench.TrainBenchmark}, {@link
 * org.alexnetspark.bench.TorchReference}), the share of ND4J's matrix-multiply rate the fitting
 * reaches ({@link org.alexnetspark.bench.TrainingArithmetic}), decoding and augmentation against
 * libjpeg-turbo's tjbench ({@link org.alexnetspark.bench.PipelineBenchmark}), and parameter
 * averaging on a loopback cluster ({@link org.alexnetspark.bench.AveragingBenchmark}). {@link
 * org.alexnetspark.bench.FitProfile} is a separate {@code main} that prints where one training
 * step's time goes, op by op.
 */
package org.alexnetspark.bench;
