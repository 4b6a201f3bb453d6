package org.alexnetspark.train.averaging;

/** IEEE 754 half precision: conversion from float with round-to-nearest-even, and back by table. */
final class Half {
  private static final float[] TO_FLOAT = new float[1 << 16];

  static {
    for (int h = 0; h < TO_FLOAT.length; h++) {
      TO_FLOAT[h] = slowToFloat((short) h);
    }
  }

  private Half() {}

  static float toFloat(short half) {
    return TO_FLOAT[half & 0xffff];
  }

  static short fromFloat(float f) {
    int x = Float.floatToRawIntBits(f);
    int sign = (x >>> 16) & 0x8000;
    int magnitude = x & 0x7fffffff;
    if (magnitude >= 0x38800000 && magnitude < 0x477fe000) {
      // Normal half, no overflow even after rounding: round to nearest even and rebias.
      return (short) (sign | ((magnitude + 0x0fff + ((magnitude >>> 13) & 1) - 0x38000000) >>> 13));
    }
    return slowFromFloat(sign, x);
  }

  private static short slowFromFloat(int sign, int x) {
    int exp = (x >>> 23) & 0xff;
    int mant = x & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      int full = mant | 0x800000;
      int shift = 14 - e;
      int half = full >> shift;
      int rem = full & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++; // a carry into the exponent is the right result, up to infinity
    }
    return (short) (sign | half);
  }

  /**
   * The power of two k such that {@code max * 2^k} lies in [2^14, 2^15): large enough to keep 11
   * significant bits for values near {@code max}, far enough from the half maximum (65504).
   */
  static int scaleFor(float max) {
    if (max == 0 || Float.isNaN(max) || Float.isInfinite(max)) {
      return 0;
    }
    int k = 14 - Math.getExponent(max);
    return Math.max(-100, Math.min(100, k));
  }

  private static float slowToFloat(short h) {
    int s = (h >>> 15) & 1;
    int e = (h >>> 10) & 0x1f;
    int m = h & 0x3ff;
    float v;
    if (e == 0) {
      v = m * 0x1p-24f;
    } else if (e == 31) {
      v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      v = Float.intBitsToFloat(((e - 15 + 127) << 23) | (m << 13));
    }
    return s == 1 ? -v : v;
  }
}
