/**
 * Scheduled retraining and the model registry: versions of a model on any Hadoop FileSystem, a
 * {@code current} pointer swapped in one step, and the retraining job that warm-starts from the
 * current version and promotes its candidate only if it is not worse.
 */
package org.alexnetspark.registry;
