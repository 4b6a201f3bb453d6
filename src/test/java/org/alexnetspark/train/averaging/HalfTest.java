package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.alexnetspark.config.TrainConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HalfTest {
  @Test
  void everyHalfRoundTrips() {
    for (int h = 0; h < 1 << 16; h++) {
      float f = Half.toFloat((short) h);
      if (!Float.isNaN(f)) {
        assertEquals((short) h, Half.fromFloat(f), "half 0x" + Integer.toHexString(h));
      }
    }
  }

  @Test
  void floatsRoundToTheNearestHalfTiesToEven() {
    Random random = new Random(1);
    for (int i = 0; i < 2_000_000; i++) {
      float f = Float.intBitsToFloat(random.nextInt());
      if (Float.isNaN(f)) {
        continue;
      }
      short h = Half.fromFloat(f);
      double back = Half.toFloat(h);
      if (Math.abs(f) >= 65520) {
        assertTrue(Double.isInfinite(back), f + " overflows");
        continue;
      }
      // No other half is closer; on a tie the chosen one has an even mantissa.
      double down = Half.toFloat((short) (h - 1));
      double up = Half.toFloat((short) (h + 1));
      double err = Math.abs(back - f);
      if ((h & 0x7fff) != 0 && (h & 0x7fff) != 0x7c00) {
        assertTrue(
            err <= Math.abs(down - f) && (Double.isNaN(up) || err <= Math.abs(up - f)),
            f + " -> " + back);
      }
    }
  }

  @Test
  void payloadsRoundTripExactlyInFp32AndCloselyInFp16WithPerChunkScaling() {
    int n = 3 * Payload.CHUNK + 123;
    INDArray values = Nd4j.randn(DataType.FLOAT, 1, n).muli(1e-4);
    values.putScalar(5, 1e-9f); // far below the half's smallest normal, kept by the chunk scale
    INDArray out = Nd4j.zeros(DataType.FLOAT, 1, n);
    Payload.encode(values, TrainConfig.Precision.FP32).decodeInto(out);
    assertEquals(values, out);
    Payload half = Payload.encode(values, TrainConfig.Precision.FP16);
    assertEquals(2L * n, half.bytes());
    half.decodeInto(out);
    double relative =
        out.sub(values).norm2Number().doubleValue() / values.norm2Number().doubleValue();
    assertTrue(relative < 5e-4, "relative error " + relative);
    half.addInto(out);
    assertTrue(
        out.sub(values.mul(2)).norm2Number().doubleValue() / values.norm2Number().doubleValue()
            < 5e-4);
  }
}
