package org.alexnetspark.config;

import java.nio.charset.StandardCharsets;

/**
 * The one derivation of random streams from the configured seeds: every shuffle and every image's
 * augmentation draws from {@code derive(seed, parts...)}, e.g. {@code derive(train.seed, "epoch",
 * 3)} or {@code derive(augment.seed, 3, "n01440764/img1")}. The result depends only on the seed and
 * the parts, never on which executor, thread or partition asks, so a run is the same wherever its
 * work lands and a resumed run draws what the interrupted one would have.
 */
public final class Seeds {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Seeds() {}

  /** A well-mixed 64-bit seed for {@code parts} (strings and whole numbers) under {@code seed}. */
  public static long derive(long seed, Object... parts) {
    long h = FNV_OFFSET ^ mix(seed);
    for (Object part : parts) {
      byte[] bytes = String.valueOf(part).getBytes(StandardCharsets.UTF_8);
      for (byte b : bytes) {
        h = (h ^ (b & 0xff)) * FNV_PRIME;
      }
      h = (h ^ 0x1f) * FNV_PRIME; // separator: ("ab", "c") differs from ("a", "bc")
    }
    return mix(h);
  }

  /** SplitMix64's finaliser: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
