package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.alexnetspark.config.TrainConfig;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.ByteBufferBlockData;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Worker results as Spark blocks instead of task results (an option of {@link
 * TrainConfig.Transport#BLOCKS}): the worker puts its payload's chunks into its executor's block
 * store as they are (no serialisation, no copy) and returns only the block's name; the driver reads
 * the block (in the same JVM: the very arrays; otherwise one fetch of the raw bytes) and removes it
 * after summing.
 *
 * <p>Spark's task-result path instead serialises the result with Kryo into a buffer that grows by
 * doubling, copies it out, wraps it in a Java-serialised DirectTaskResult, stores that as a block,
 * fetches it (to a temporary file above {@code spark.network.maxRemoteBlockSizeFetchToMem}, 200 MB
 * by default) and deserialises it twice: several copies of every byte, on the heap.
 *
 * <p>This uses Spark's internal (Scala {@code private[spark]}) block manager API, so it is tied to
 * the Spark version (checked with 3.5.9).
 */
final class BlockTransport {
  private BlockTransport() {}

  static String prefix(String runId, int round) {
    return "exact-" + runId + "-r" + round + "-";
  }

  /** Stores the payload's bytes as a block of this executor; returns the block name. */
  static String put(
      String runId, int round, int slice, long taskAttempt, String what, Payload payload) {
    String name = prefix(runId, round) + "s" + slice + "-t" + taskAttempt + "-" + what;
    BlockManager blocks = SparkEnv.get().blockManager();
    boolean stored =
        blocks.putBytes(
            new TestBlockId(name),
            new ChunkedByteBuffer(payload.buffers()),
            StorageLevel.MEMORY_AND_DISK_SER(),
            true,
            ClassTag$.MODULE$.apply(byte[].class));
    if (!stored) {
      throw new IllegalStateException("could not store block " + name);
    }
    return name;
  }

  /**
   * The payload with the bytes of block {@code name}, or null if the block is gone (executor lost).
   */
  static Payload fetch(String name, Payload detached) {
    BlockManager blocks = SparkEnv.get().blockManager();
    BlockId id = new TestBlockId(name);
    Option<BlockData> local = blocks.getLocalBytes(id);
    if (local.isDefined()) {
      try {
        BlockData data = local.get();
        if (data instanceof ByteBufferBlockData bytes) {
          return detached.attach(bytes.buffer().getChunks());
        }
        return detached.attach(
            data.toChunkedByteBuffer(
                    new AbstractFunction1<Object, ByteBuffer>() {
                      @Override
                      public ByteBuffer apply(Object size) {
                        return ByteBuffer.allocate((Integer) size);
                      }
                    })
                .getChunks());
      } finally {
        blocks.releaseLock(id, Option.empty());
      }
    }
    Option<ChunkedByteBuffer> remote = blocks.getRemoteBytes(id);
    return remote.isDefined() ? detached.attach(remote.get().getChunks()) : null;
  }

  static void remove(String name) {
    SparkEnv.get().blockManager().master().removeBlock(new TestBlockId(name));
  }

  /**
   * Removes every block of a round that is left (from attempts whose result never arrived), except
   * those already removed (asking again makes Spark warn about a block that does not exist).
   */
  static int removeRound(String runId, int round, Set<String> removed) {
    List<BlockId> left = null;
    // Spark's master lists blocks while executors report new ones and may then fail with a
    // ConcurrentModificationException; the clean-up only frees memory, so it tries a few times
    // and otherwise leaves the blocks to the end of the application.
    for (int attempt = 1; left == null; attempt++) {
      try {
        left = blocks("test_" + prefix(runId, round));
      } catch (Exception e) { // Spark's own exceptions are checked ones Scala does not declare
        if (attempt == 3) {
          LoggerFactory.getLogger(BlockTransport.class)
              .warn(
                  "blocks of round {} not cleaned up ({}); they are freed when the application ends",
                  round,
                  e.toString());
          return 0;
        }
      }
    }
    int count = 0;
    for (BlockId id : left) {
      if (!removed.contains(id.name())
          && !removed.contains(id.name().substring("test_".length()))) {
        SparkEnv.get().blockManager().master().removeBlock(id);
        count++;
      }
    }
    return count;
  }

  /**
   * Blocks of this transport anywhere in the application whose name starts with {@code prefix}, as
   * the driver's block manager master knows them (every block is stored telling the master). The
   * executors' storage endpoints are not asked: they would have to deserialise the filter, a class
   * of the application jar, which Spark's RPC does not load there (on a cluster every round's
   * clean-up failed with "Exception thrown in awaitResult").
   */
  static List<BlockId> blocks(String prefix) {
    return new ArrayList<>(
        JavaConverters.seqAsJavaListConverter(
                SparkEnv.get()
                    .blockManager()
                    .master()
                    .getMatchingBlockIds(new NamePrefix(prefix), false))
            .asJava());
  }

  /** Block ids whose name starts with a prefix (applied on the driver). */
  private static final class NamePrefix extends AbstractFunction1<BlockId, Object>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String prefix;

    NamePrefix(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public Object apply(BlockId id) {
      return id.name().startsWith(prefix);
    }
  }
}
