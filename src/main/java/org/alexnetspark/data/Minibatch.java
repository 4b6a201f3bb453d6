package org.alexnetspark.data;

import java.io.Serializable;
import java.net.URI;

/**
 * One minibatch of a dataset, as a descriptor small enough to hand to Spark instead of data: slice
 * {@code index} of {@code count} of row group {@code rowGroup} of a shard. Its text form, {@code
 * <shard URI>#<row group>/<index>/<count>}, is what travels through dl4j-spark's path-based
 * training; {@link #parse} reads it back.
 *
 * @param shard full URI of the shard file
 * @param rowGroup row group within the shard
 * @param index which slice of the row group
 * @param count slices the row group is cut into
 */
public record Minibatch(String shard, int rowGroup, int index, int count) implements Serializable {

  public Minibatch {
    if (rowGroup < 0 || count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "not a minibatch: row group "
              + rowGroup
              + ", slice "
              + index
              + " of "
              + count
              + " of "
              + shard);
    }
  }

  /** The text form, {@code <shard URI>#<row group>/<index>/<count>}. */
  public String descriptor() {
    return rowGroupKey() + "/" + index + "/" + count;
  }

  /** Names the row group: {@code <shard URI>#<row group>}. */
  public String rowGroupKey() {
    return rowGroupKey(shard, rowGroup);
  }

  /** Names row group {@code rowGroup} of {@code shard}. */
  public static String rowGroupKey(String shard, int rowGroup) {
    return shard + "#" + rowGroup;
  }

  public URI shardUri() {
    return URI.create(shard);
  }

  /** Reads {@link #descriptor()}. */
  public static Minibatch parse(String descriptor) {
    int hash = descriptor.lastIndexOf('#');
    String[] parts = hash < 0 ? new String[0] : descriptor.substring(hash + 1).split("/");
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "not a minibatch descriptor (expected "
              + "<shard URI>#<row group>/<index>/<count>): "
              + descriptor);
    }
    try {
      return new Minibatch(
          descriptor.substring(0, hash),
          Integer.parseInt(parts[0]),
          Integer.parseInt(parts[1]),
          Integer.parseInt(parts[2]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a minibatch descriptor: " + descriptor + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * First record of this slice of a row group of {@code size} records; slices differ by one at
   * most.
   */
  public int from(int size) {
    return (int) ((long) index * size / count);
  }

  /** One past the last record of this slice. */
  public int to(int size) {
    return (int) ((long) (index + 1) * size / count);
  }
}
