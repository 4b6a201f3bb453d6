package org.alexnetspark.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UTFDataFormatException;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.options.ArrayOptionsHelper;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An array in ND4J's binary form ({@code Nd4j.write}: a shape buffer, then a data buffer, each with
 * a header naming its allocation mode, length and type), as DL4J's model file holds parameters
 * ({@code coefficients.bin}) and updater state ({@code updaterState.bin}). The headers are checked
 * against the length the configuration declares before ND4J allocates anything, so that a file
 * cannot make a reader allocate what its header claims.
 */
final class ParameterFile {
  /** The allocation mode ND4J 1.0.0-M2.1 writes. */
  private static final String ALLOCATION = "MIXED_DATA_TYPES";

  private static final Set<String> VALUE_TYPES = Set.of("FLOAT", "DOUBLE", "HALF");
  private static final int MAX_RANK = 32;

  private ParameterFile() {}

  /**
   * Reads an array of exactly {@code expected} values from {@code in}, which is left open.
   *
   * @param where the file, for messages
   * @throws IOException if the header declares another length, shape, type or form
   */
  static INDArray read(InputStream in, long expected, String where) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    DataInputStream data = new DataInputStream(new Recording(in, header));
    long[] shapeInfo;
    String type;
    try {
      String allocation = data.readUTF();
      long shapeLength = data.readLong();
      String shapeType = data.readUTF();
      if (!ALLOCATION.equals(allocation)
          || !"LONG".equals(shapeType)
          || shapeLength < 4
          || shapeLength > 2L * MAX_RANK + 4) {
        throw new IOException(
            where
                + " does not start with the shape of an ND4J array (found a buffer of "
                + shapeLength
                + " "
                + shapeType
                + " values, allocation "
                + allocation
                + ")");
      }
      shapeInfo = new long[(int) shapeLength];
      for (int i = 0; i < shapeInfo.length; i++) {
        shapeInfo[i] = data.readLong();
      }
      long rank = shapeInfo[0];
      if (rank < 0 || rank > MAX_RANK || shapeLength != 2 * rank + 4) {
        throw new IOException(
            where + " holds a malformed ND4J shape (rank " + rank + ", " + shapeLength + " longs)");
      }
      long values = 1;
      for (int i = 1; i <= rank; i++) {
        if (shapeInfo[i] < 0) {
          throw new IOException(where + " holds a negative dimension: " + shapeInfo[i]);
        }
        values = Math.multiplyExact(values, shapeInfo[i]);
      }
      String dataAllocation = data.readUTF();
      long length = data.readLong();
      type = data.readUTF();
      if (values != expected || length != expected) {
        throw new IOException(
            where
                + " holds "
                + length
                + " values (shape of "
                + values
                + "); the model's configuration declares "
                + expected
                + ": the two files do not belong together");
      }
      DataType shapeDataType = ArrayOptionsHelper.dataType(shapeInfo[(int) (2 * rank + 1)]);
      if (!ALLOCATION.equals(dataAllocation)
          || !VALUE_TYPES.contains(type)
          || !shapeDataType.name().equals(type)) {
        throw new IOException(
            where
                + " holds values of type "
                + type
                + " (its shape says "
                + shapeDataType
                + ", allocation "
                + dataAllocation
                + "); expected FLOAT, DOUBLE or HALF");
      }
    } catch (EOFException | UTFDataFormatException | ArithmeticException e) {
      throw new IOException(where + " is cut short or is not an ND4J array: " + e, e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IOException(where + " holds an unknown ND4J data type: " + e.getMessage(), e);
    }
    InputStream whole =
        new SequenceInputStream(new ByteArrayInputStream(header.toByteArray()), new KeptOpen(in));
    try {
      return Nd4j.read(new DataInputStream(whole));
    } catch (RuntimeException e) {
      throw new IOException(where + " could not be read: " + e.getMessage(), e);
    }
  }

  /** Keeps a copy of every byte read. */
  private static final class Recording extends FilterInputStream {
    private final ByteArrayOutputStream copy;

    Recording(InputStream in, ByteArrayOutputStream copy) {
      super(in);
      this.copy = copy;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        copy.write(b);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        copy.write(b, off, n);
      }
      return n;
    }
  }

  /** Leaves the underlying stream open when closed (it is the model file's zip stream). */
  private static final class KeptOpen extends FilterInputStream {
    KeptOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
