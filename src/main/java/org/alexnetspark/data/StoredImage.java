package org.alexnetspark.data;

/**
 * One record of a shard.
 *
 * @param key unique key, {@code <wnid>/<input file name without extension>}
 * @param label class index in the dataset's label map
 * @param wnid class folder name
 * @param jpeg the stored image, {@code data.image-size} square, JPEG
 */
public record StoredImage(String key, int label, String wnid, byte[] jpeg) {}
