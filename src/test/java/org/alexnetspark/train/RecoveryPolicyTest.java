package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import org.alexnetspark.config.InvalidConfigException;
import org.apache.hadoop.hdfs.protocol.DSQuotaExceededException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** Which failures a run retries from its last checkpoint (retries themselves: TrainingFaultsIT). */
class RecoveryPolicyTest {

  @Test
  void failedSparkJobsAndStorageFaultsAreRetried() {
    assertTrue(RecoveryPolicy.retryable(new SparkException("Job aborted: executor lost")));
    assertTrue(RecoveryPolicy.retryable(new FileNotFoundException("/data/shard-00003.parquet")));
    assertTrue(
        RecoveryPolicy.retryable(
            new IllegalStateException("task failed", new IOException("connection reset"))));
  }

  @Test
  void configurationErrorsQuotasAndPermissionsAreNeverRetriedWhereverTheyAreInTheChain() {
    InvalidConfigException config = new InvalidConfigException(List.of("'model.classes' = 1000"));
    assertFalse(RecoveryPolicy.retryable(config));
    assertFalse(RecoveryPolicy.retryable(new SparkException("Job aborted", config)));
    assertFalse(
        RecoveryPolicy.retryable(
            new IOException(
                "write failed",
                new DSQuotaExceededException("The DiskSpace quota of /runs is exceeded"))));
    assertFalse(RecoveryPolicy.retryable(new AccessControlException("Permission denied")));
  }

  @Test
  void programmingErrorsAreNotRetried() {
    assertFalse(RecoveryPolicy.retryable(new IllegalStateException("a bug")));
    assertFalse(RecoveryPolicy.retryable(new NullPointerException()));
  }
}
