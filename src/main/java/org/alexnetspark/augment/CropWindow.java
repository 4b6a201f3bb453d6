package org.alexnetspark.augment;

/**
 * Where a square crop is taken from a stored image, and whether it is mirrored.
 *
 * @param x left column of the crop in the stored image
 * @param y top row of the crop in the stored image
 * @param mirror flip the crop left to right
 */
public record CropWindow(int x, int y, boolean mirror) {}
