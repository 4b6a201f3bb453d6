package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.alexnetspark.config.TrainConfig.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A flat float vector (a network's parameters or updater state) as plain byte chunks: what crosses
 * the wire between driver and workers, instead of {@link INDArray}s through ND4J's Kryo serialiser
 * (which writes and reads one element at a time through a {@code DataOutputStream}).
 *
 * <p>{@link Precision#FP32} chunks hold the raw little-endian floats, bulk-copied from and to the
 * array's off-heap memory. {@link Precision#FP16} chunks hold IEEE half floats, each chunk scaled
 * by its own power of two so that its largest magnitude lands near the top of the half range (small
 * values such as parameter deltas keep about 11 significant bits instead of falling into half
 * subnormals); the exponent is stored per chunk.
 *
 * <p>Chunks keep every Java array far below 2 GB whatever the network size. A payload is never an
 * {@link AutoCloseable}: Spark 3 closes such broadcast values when it cleans a broadcast.
 */
public final class Payload implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Elements per chunk: 1 MB of FP32, below G1's humongous-object size for any heap over 512 MB
   * (large arrays are allocated outside the young generation and trigger collections of their own).
   */
  static final int CHUNK = 1 << 18;

  private final Precision precision;
  private final long length;

  /** Null in a detached payload (the bytes travel separately, see {@link BlockTransport}). */
  private final byte[][] chunks;

  /** FP16 only: chunk i holds round(value * 2^scales[i]). */
  private final int[] scales;

  private Payload(Precision precision, long length, byte[][] chunks, int[] scales) {
    this.precision = precision;
    this.length = length;
    this.chunks = chunks;
    this.scales = scales;
  }

  public Precision precision() {
    return precision;
  }

  public long length() {
    return length;
  }

  /** Bytes of data (what goes over the wire, plus a few bytes per chunk). */
  /** Bytes one value takes on the wire. */
  static int bytesPerValue(Precision precision) {
    return precision == Precision.FP16 ? 2 : 4;
  }

  public long bytes() {
    return length * bytesPerValue(precision);
  }

  /**
   * The same payload without its bytes: what travels in a task result when the bytes go as a block.
   */
  Payload detach() {
    return new Payload(precision, length, null, scales);
  }

  boolean attached() {
    return chunks != null;
  }

  /** The bytes, chunk by chunk, without copying. */
  ByteBuffer[] buffers() {
    ByteBuffer[] buffers = new ByteBuffer[chunks.length];
    for (int i = 0; i < chunks.length; i++) {
      buffers[i] = ByteBuffer.wrap(chunks[i]);
    }
    return buffers;
  }

  /**
   * This detached payload with its bytes: the very arrays when the buffers are this payload's own
   * chunks (a block read in the JVM that wrote it), otherwise copied in order.
   */
  Payload attach(ByteBuffer[] buffers) {
    int count = chunkCount(length);
    byte[][] attached = new byte[count][];
    boolean same = buffers.length == count;
    for (int c = 0; same && c < count; c++) {
      ByteBuffer b = buffers[c];
      int expected = chunkBytes(c);
      same =
          b.hasArray()
              && b.arrayOffset() == 0
              && b.position() == 0
              && b.remaining() == expected
              && b.array().length == expected;
      if (same) {
        attached[c] = b.array();
      }
    }
    if (!same) {
      int buffer = 0;
      ByteBuffer in = buffers.length == 0 ? ByteBuffer.allocate(0) : buffers[0].duplicate();
      for (int c = 0; c < count; c++) {
        attached[c] = new byte[chunkBytes(c)];
        int filled = 0;
        while (filled < attached[c].length) {
          while (!in.hasRemaining()) {
            if (++buffer >= buffers.length) {
              throw new IllegalArgumentException(
                  "block shorter than the payload's " + bytes() + " bytes");
            }
            in = buffers[buffer].duplicate();
          }
          int n = Math.min(in.remaining(), attached[c].length - filled);
          in.get(attached[c], filled, n);
          filled += n;
        }
      }
    }
    return new Payload(precision, length, attached, scales);
  }

  private int chunkBytes(int c) {
    return (int) Math.min(CHUNK, length - (long) c * CHUNK) * bytesPerValue(precision);
  }

  /**
   * Encodes {@code array} (FLOAT, a vector over its whole buffer) without touching it. Chunks are
   * encoded in parallel on the common fork-join pool.
   */
  public static Payload encode(INDArray array, Precision precision) {
    FloatBuffer source = floats(array);
    long length = array.length();
    int count = chunkCount(length);
    byte[][] chunks = new byte[count][];
    int[] scales = precision == Precision.FP16 ? new int[count] : null;
    IntStream.range(0, count)
        .parallel()
        .forEach(
            c -> {
              int from = c * CHUNK;
              int len = (int) Math.min(CHUNK, length - from);
              FloatBuffer in = source.duplicate().position(from).limit(from + len);
              byte[] out = new byte[len * bytesPerValue(precision)];
              ByteBuffer bytes = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
              if (precision == Precision.FP32) {
                bytes.asFloatBuffer().put(in);
              } else {
                float[] values = new float[len];
                in.get(values);
                float max = 0;
                for (float v : values) {
                  float a = Math.abs(v);
                  if (a > max && a != Float.POSITIVE_INFINITY) {
                    max = a;
                  }
                }
                int scale = Half.scaleFor(max);
                scales[c] = scale;
                float factor = Math.scalb(1f, scale);
                short[] halves = new short[len];
                for (int i = 0; i < len; i++) {
                  halves[i] = Half.fromFloat(values[i] * factor);
                }
                bytes.asShortBuffer().put(halves);
              }
              chunks[c] = out;
            });
    return new Payload(precision, length, chunks, scales);
  }

  /** Writes the decoded values into {@code target} (FLOAT, a vector over its whole buffer). */
  public void decodeInto(INDArray target) {
    combine(target, false);
  }

  /** Adds the decoded values to {@code target} (as for {@link #decodeInto}), element by element. */
  public void addInto(INDArray target) {
    combine(target, true);
  }

  private void combine(INDArray target, boolean add) {
    if (target.length() != length) {
      throw new IllegalArgumentException(
          "payload of " + length + " values, array of " + target.length());
    }
    FloatBuffer out = floats(target);
    IntStream.range(0, chunks.length)
        .parallel()
        .forEach(
            c -> {
              int from = c * CHUNK;
              int len = (int) Math.min(CHUNK, length - from);
              ByteBuffer bytes = ByteBuffer.wrap(chunks[c]).order(ByteOrder.LITTLE_ENDIAN);
              FloatBuffer dst = out.duplicate().position(from).limit(from + len);
              if (precision == Precision.FP32 && !add) {
                dst.put(bytes.asFloatBuffer());
                return;
              }
              float[] values = new float[len];
              if (precision == Precision.FP32) {
                bytes.asFloatBuffer().get(values);
              } else {
                float factor = Math.scalb(1f, -scales[c]);
                short[] halves = new short[len];
                bytes.asShortBuffer().get(halves);
                for (int i = 0; i < len; i++) {
                  values[i] = Half.toFloat(halves[i]) * factor;
                }
              }
              if (add) {
                float[] current = new float[len];
                dst.duplicate().get(current);
                for (int i = 0; i < len; i++) {
                  values[i] += current[i];
                }
              }
              dst.put(values);
            });
  }

  /** A float view of the array's own off-heap memory. */
  static FloatBuffer floats(INDArray array) {
    if (array.dataType() != DataType.FLOAT) {
      throw new IllegalArgumentException("FLOAT arrays only, not " + array.dataType());
    }
    // The raw buffer is what travels: fine for the flat vectors this is used with (a network's
    // params() and updater state view, which DL4J marks as views yet own their whole buffer).
    if (array.offset() != 0
        || array.data().length() != array.length()
        || (!array.isVector() && array.ordering() != 'c')) {
      throw new IllegalArgumentException(
          "a flat array over its whole buffer is needed; got offset "
              + array.offset()
              + ", length "
              + array.length()
              + " of "
              + array.data().length());
    }
    return array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static int chunkCount(long length) {
    long count = (length + CHUNK - 1) / CHUNK;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too long: " + length);
    }
    return (int) count;
  }
}
