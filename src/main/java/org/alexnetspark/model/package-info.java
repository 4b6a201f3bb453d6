/**
 * The paper's network: one builder ({@link org.alexnetspark.model.AlexNet}) for the {@code paper},
 * {@code single-tower} and {@code scaled} variants, its fused convolution blocks ({@link
 * org.alexnetspark.model.ConvBlock}, SameDiff layers on ND4J's native, oneDNN-backed ops), the
 * classic-momentum optimiser, a per-layer summary and atomic save/load through Hadoop FileSystem.
 */
package org.alexnetspark.model;
