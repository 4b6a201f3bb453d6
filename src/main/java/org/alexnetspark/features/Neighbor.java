package org.alexnetspark.features;

import java.io.Serializable;

/**
 * A dataset image near a query in feature space.
 *
 * @param key the image's record key
 * @param label its class index in the dataset's label map
 * @param wnid its class folder name
 * @param shard the shard file (URI) holding its stored JPEG
 * @param rowGroup the row group of that shard holding it
 * @param distance Euclidean distance of its feature vector from the query's
 */
public record Neighbor(
    String key, int label, String wnid, String shard, int rowGroup, double distance)
    implements Serializable {}
