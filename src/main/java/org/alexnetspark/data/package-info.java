/**
 * The dataset on a Hadoop FileSystem: listing an ImageNet-style input tree, preparing images the
 * paper's way, writing and reading Parquet shards with their manifest, and streaming shards into
 * minibatches inside executors.
 */
package org.alexnetspark.data;
