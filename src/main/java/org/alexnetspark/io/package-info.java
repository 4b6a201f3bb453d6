/**
 * Storage through Hadoop {@code FileSystem} ({@code hdfs://}, {@code file://}, {@code s3a://}
 * alike): resolving user paths to URIs and writing artifacts atomically (temporary name, then
 * rename; {@link org.alexnetspark.io.Storage}), so that a crash never leaves a half-written model,
 * checkpoint or shard visible; sealed folders that list every file with its size and SHA-256
 * ({@link org.alexnetspark.io.SealedFolder}); joining locations ({@link
 * org.alexnetspark.io.Locations}); SHA-256, JSON, a Hadoop configuration that travels to executors,
 * and the versions of the build.
 */
package org.alexnetspark.io;
