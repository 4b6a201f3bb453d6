/**
 * The paper's network: one builder ({@link org.alexnetspark.model.AlexNet}) for the {@code paper},
 * {@code single-tower} and {@code scaled} variants; its fused convolution blocks ({@link
 * org.alexnetspark.model.ConvBlock}, configured as SameDiff layers, run by {@code ConvBlockLayer}
 * on ND4J's native ops, oneDNN on CPU and cuDNN on GPU, with an exact LRN gradient, {@code
 * LrnGradient}); the fully connected layers FC6 and FC7 ({@link
 * org.alexnetspark.model.FullyConnected}); the classic-momentum optimiser ({@link
 * org.alexnetspark.model.ClassicMomentum}); a per-layer summary; the first layer's kernels as a
 * picture; and atomic save/load through Hadoop FileSystem ({@link
 * org.alexnetspark.model.ModelStore}).
 */
package org.alexnetspark.model;
