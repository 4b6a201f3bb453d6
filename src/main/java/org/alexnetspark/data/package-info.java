/**
 * A prepared dataset on a Hadoop FileSystem: the Parquet shard format, its manifest and label map,
 * and the one reading path from shards to minibatches that training, evaluation, prediction and
 * feature extraction share.
 */
package org.alexnetspark.data;
