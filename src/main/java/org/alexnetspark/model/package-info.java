/**
 * The paper's network: one builder ({@link org.alexnetspark.model.AlexNet}) for the {@code paper},
 * {@code single-tower} and {@code scaled} variants, its fused convolution blocks ({@link
 * org.alexnetspark.model.ConvBlock}, SameDiff layers on ND4J's native, oneDNN-backed ops), the
 * classic-momentum optimiser, a per-layer summary, and the model folder: its format, atomic save
 * and load through Hadoop FileSystem, read as untrusted data ({@link
 * org.alexnetspark.model.ModelStore}).
 */
package org.alexnetspark.model;
