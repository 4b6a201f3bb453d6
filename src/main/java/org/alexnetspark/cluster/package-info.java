/**
 * A real Spark standalone cluster and HDFS on this machine's loopback interface ({@link
 * org.alexnetspark.cluster.LoopbackCluster}): workers and executors in JVMs of their own, GPU
 * addresses scheduled per task, an in-process HDFS of several DataNodes. The cluster tests submit
 * jobs to it and inject their faults from the test tree; measurements of parameter averaging across
 * executor JVMs start it from the application's own classpath.
 */
package org.alexnetspark.cluster;
