/**
 * Synchronous parameter averaging behind dl4j-spark's {@code TrainingMaster} interface ({@link
 * org.alexnetspark.train.averaging.ExactAveragingMaster}), replacing its
 * ParameterAveragingTrainingMaster: exact partitioning of minibatch descriptors over workers,
 * compact parameter transfer ({@link org.alexnetspark.train.averaging.Payload}), replicas kept
 * between rounds, non-finite checks, exact under task retries.
 */
package org.alexnetspark.train.averaging;
