package org.alexnetspark.augment;

/** The named transforms: one for training, two for evaluation. */
public enum Preset {
  /** Random crop, random mirror, PCA colour noise, mean subtraction: fresh every epoch. */
  TRAIN(1),
  /** The central crop, mean subtracted; deterministic. */
  CENTRE(1),
  /** The four corner crops and the centre crop, then the same five mirrored; deterministic. */
  TEN_CROP(10);

  private final int cropsPerImage;

  Preset(int cropsPerImage) {
    this.cropsPerImage = cropsPerImage;
  }

  /** Network inputs made from one image. */
  public int cropsPerImage() {
    return cropsPerImage;
  }
}
