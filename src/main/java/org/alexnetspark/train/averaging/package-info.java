/**
 * Synchronous parameter averaging behind dl4j-spark's {@code TrainingMaster} interface ({@link
 * org.alexnetspark.train.averaging.ExactAveragingMaster}, with {@link
 * org.alexnetspark.train.averaging.ExactWorker} and {@link
 * org.alexnetspark.train.averaging.ExactResult}), replacing its ParameterAveragingTrainingMaster:
 * exact partitioning of minibatch descriptors over workers, compact fp32 or fp16 parameter transfer
 * ({@link org.alexnetspark.train.averaging.Payload}) as task results or Spark blocks, replicas kept
 * between rounds, non-finite checks, exact under task retries (also with local momentum: a failed
 * attempt gives its replica back with the momentum it found).
 *
 * <p>Results are added up on the driver ({@code train.averaging.combine = driver}, the default:
 * every worker's payload crosses the driver's link) or among the executors ({@code tree}: Spark's
 * {@code treeAggregate} with {@code train.averaging.tree-depth} levels, the last one on an
 * executor, so the driver receives one {@link org.alexnetspark.train.averaging.PartialSum} per
 * round whatever the number of executors). The tree was chosen over a reduce-scatter through the
 * block manager as BigDL's {@code AllReduceParameter} does it (every task splits its vector into N
 * slices, puts them as blocks, then fetches and sums its own slice from every other task): that
 * needs all N tasks of a round alive at once and sharing block names, so a lost task stalls or
 * corrupts the others' sums and retries must be coordinated by hand, and it has no driver-owned
 * average. treeAggregate is built on Spark's shuffle, which already gives what this package
 * promises: each slice's sum reaches its reducer exactly once whatever the attempts, a lost
 * executor's outputs are recomputed from the same broadcast, and the driver still owns the average.
 * Its cost: the shuffle writes sums to the executors' local disks.
 *
 * <p>In a tree round the workers of one executor add their results up there first, so that each
 * executor sends one sum whatever its number of GPUs ({@link
 * org.alexnetspark.train.averaging.SlicePlacement}): the driver splits the slices into one group
 * per live executor, asks for each group's tasks to run on its executor, keys each result by its
 * group, and a reducer per group, asked to run on that executor too ({@link
 * org.alexnetspark.train.averaging.PlacedRDD}), adds the group up from its local shuffle files; the
 * executors' sums then go through the tree (a reducer reads up to about E^(1/depth) of them for E
 * executors). The key is the planned group, not the executor a task ran on: a key taken from where
 * a task ran would change when a lost executor's outputs are recomputed elsewhere, and Spark, which
 * takes map outputs to be deterministic, re-runs only the reducers whose inputs were lost; the
 * recomputed sum could then land in a reducer that had already finished and never be read.
 * Placement is asked for, not relied on: Spark's own reduce locality is per host only, and a task
 * that runs elsewhere costs network bytes (counted), never exactness.
 *
 * <p>Bytes in and out of the driver and of every executor are counted per round ({@link
 * org.alexnetspark.train.averaging.NodeBytes}).
 */
package org.alexnetspark.train.averaging;
