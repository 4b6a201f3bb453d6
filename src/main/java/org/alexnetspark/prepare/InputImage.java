package org.alexnetspark.prepare;

import java.io.Serializable;

/**
 * One input file to prepare.
 *
 * @param location full URI of the file
 * @param key the record key: {@code <wnid>/<file name without extension>}
 * @param wnid its class
 */
public record InputImage(String location, String key, String wnid) implements Serializable {}
