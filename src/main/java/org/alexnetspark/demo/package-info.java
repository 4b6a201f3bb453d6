/**
 * {@code alexnet demo}, what {@code jobs/local/demo} runs: the whole system on this machine on
 * Fashion-MNIST ({@link org.alexnetspark.demo.DemoJob}), with its shards, runs and models on an
 * HDFS inside the process (MiniDFSCluster) and local Spark.
 */
package org.alexnetspark.demo;
