package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alexnetspark.testing.CommandRun;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code alexnet train} as a user runs it: what is checked before Spark starts. */
class TrainCommandTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void aConfigurationThatDoesNotFitTheDataIsRefusedBeforeSparkStarts() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    CommandRun run =
        CommandRun.beforeSpark(
            "train",
            "--conf",
            "src/test/resources/conf/train-small.conf",
            "--data",
            data.train().toString(),
            "--val",
            data.validation().toString(),
            "--output",
            HDFS.uri("/runs/cli-refused").toString(),
            "--set",
            "model.classes=1000");
    int code = run.exitCode();
    String err = run.err();
    assertEquals(ExitCodes.USAGE, code, err);
    assertTrue(err.contains("'model.classes' = 1000"), err);
    assertTrue(err.contains("has 10 classes"), err);
    assertTrue(!HDFS.fileSystem().exists(new Path("/runs/cli-refused")), "nothing written");
  }
}
