package org.alexnetspark.config;

import java.io.Serializable;
import org.alexnetspark.image.JpegDecoder;

/**
 * The stored dataset ({@code data.*}): how images are resized, encoded and grouped into shards.
 *
 * @param imageSize side of the square images stored in the shards (the paper's 256)
 * @param jpegQuality JPEG quality of the stored images
 * @param shardBytes target size of one shard file
 * @param rowGroupBytes Parquet row-group size, the unit a reader loads and shuffles
 * @param maxRejectedFraction fraction of rejected inputs above which prepare fails
 * @param maxInputMegapixels inputs larger than this are rejected
 * @param decoder decoder of stored JPEGs on the hot path
 * @param seed seed of the assignment of images to shards
 */
public record DataConfig(
    int imageSize,
    int jpegQuality,
    long shardBytes,
    long rowGroupBytes,
    double maxRejectedFraction,
    double maxInputMegapixels,
    JpegDecoder.Kind decoder,
    long seed)
    implements Serializable {

  static DataConfig read(ConfigReader in) {
    return new DataConfig(
        in.integer(
            "data.image-size",
            v -> v >= ModelConfig.MIN_INPUT_SIZE,
            "must be a whole number >= " + ModelConfig.MIN_INPUT_SIZE),
        in.integer(
            "data.jpeg-quality", v -> v >= 1 && v <= 100, "must be a whole number in [1, 100]"),
        in.bytes("data.shard-bytes", v -> v >= 4096, "must be a size of at least 4k, e.g. 128m"),
        in.bytes("data.row-group-bytes", v -> v >= 4096, "must be a size of at least 4k, e.g. 16m"),
        in.number(
            "data.max-rejected-fraction", v -> v >= 0 && v <= 1, "must be a fraction in [0, 1]"),
        in.number("data.max-input-megapixels", v -> v > 0, "must be a number > 0"),
        in.choice("data.decoder", JpegDecoder.Kind.class, JpegDecoder.Kind.AUTO),
        in.longValue("data.seed", v -> true, "must be a whole number"));
  }
}
