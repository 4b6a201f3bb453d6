/**
 * Synchronous parameter averaging behind dl4j-spark's {@code TrainingMaster} interface ({@link
 * org.alexnetspark.train.averaging.ExactAveragingMaster}, with {@link
 * org.alexnetspark.train.averaging.ExactWorker} and {@link
 * org.alexnetspark.train.averaging.ExactResult}), replacing its ParameterAveragingTrainingMaster:
 * exact partitioning of minibatch descriptors over workers, compact fp32 or fp16 parameter transfer
 * ({@link org.alexnetspark.train.averaging.Payload}) as task results or Spark blocks, replicas kept
 * between rounds, non-finite checks, exact under task retries.
 */
package org.alexnetspark.train.averaging;
