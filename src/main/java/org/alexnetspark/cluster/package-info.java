/**
 * A real Spark standalone cluster and HDFS on this machine's loopback interface ({@link
 * org.alexnetspark.cluster.LoopbackCluster}): a master and workers in JVMs of their own, executors
 * in JVMs of their own, GPU addresses scheduled per task, and an HDFS of three DataNodes that can
 * be stopped. The cluster tests submit jobs to it; {@code alexnet bench} starts it from the
 * application's own classpath to measure parameter averaging across executor JVMs.
 */
package org.alexnetspark.cluster;
