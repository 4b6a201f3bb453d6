package org.alexnetspark.config;

import java.io.Serializable;

/**
 * The stored images ({@code data.*}).
 *
 * @param imageSize side of the square images stored in the shards (the paper's 256)
 */
public record DataConfig(int imageSize) implements Serializable {

  static DataConfig read(ConfigReader in) {
    return new DataConfig(
        in.integer("data.image-size", v -> v >= ModelConfig.MIN_INPUT_SIZE,
            "must be a whole number >= " + ModelConfig.MIN_INPUT_SIZE));
  }
}
