/**
 * {@code alexnet prepare} and {@code alexnet convert-idx}: from an input tree of image files to a
 * dataset of Parquet shards. The driver lists and checks the inputs and fixes the plan ({@link
 * org.alexnetspark.prepare.PreparePlanner}); executors write the shards ({@link
 * org.alexnetspark.prepare.ShardBuilder}); {@link org.alexnetspark.prepare.PrepareJob} runs the two
 * and writes the manifest.
 */
package org.alexnetspark.prepare;
