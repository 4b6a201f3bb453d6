/**
 * Scheduled retraining and the model registry: versions of a model on any Hadoop FileSystem, an
 * append-only promotion history (one file per event) that {@code current} is derived from, one lock
 * per model for every write ({@link org.alexnetspark.registry.RegistryLock}), and the retraining
 * job that skips unchanged inputs, fine-tunes the current version with {@code retrain.*} and
 * promotes its candidate only when a paired test on held-out images ({@link
 * org.alexnetspark.registry.PromotionGate}) allows and the current version is still the one it was
 * compared against.
 */
package org.alexnetspark.registry;
