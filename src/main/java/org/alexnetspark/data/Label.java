package org.alexnetspark.data;

import java.io.Serializable;

/**
 * One class of the dataset.
 *
 * @param index position in the network's output
 * @param wnid the class folder name (a WordNet id for ImageNet)
 * @param name human-readable name
 */
public record Label(int index, String wnid, String name) implements Serializable {}
