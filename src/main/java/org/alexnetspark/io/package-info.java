/**
 * Storage through Hadoop {@code FileSystem} ({@code hdfs://}, {@code file://}, {@code s3a://}
 * alike): resolving user paths to URIs and writing artifacts atomically (temporary name, then
 * rename), so that a crash never leaves a half-written model, checkpoint or shard visible.
 */
package org.alexnetspark.io;
