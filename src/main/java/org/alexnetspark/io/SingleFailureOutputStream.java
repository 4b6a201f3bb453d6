package org.alexnetspark.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An output stream that reports a failure once. HDFS's output stream throws, from {@code close()},
 * the very exception instance a write already threw (a full space quota, a broken DataNode
 * pipeline); a try-with-resources block then tries to add that exception to itself as suppressed
 * and fails with "IllegalArgumentException: Self-suppression not permitted", which hides the real
 * error. Wrapped in this, {@code close()} stays silent about a failure already thrown.
 */
final class SingleFailureOutputStream extends FilterOutputStream {
  private IOException failure;

  SingleFailureOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    try {
      out.write(b);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    try {
      out.write(b, off, len);
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public void flush() throws IOException {
    try {
      out.flush();
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      out.close();
    } catch (IOException e) {
      if (e != failure) {
        throw e;
      }
    }
  }
}
