package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code alexnet train} as a user runs it: what is checked before Spark starts. */
class TrainCommandTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void aConfigurationThatDoesNotFitTheDataIsRefusedBeforeSparkStarts() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    // Had the command started Spark, it would have tried this master and failed another way.
    System.setProperty("spark.master", "spark://127.0.0.1:" + port);
    StringWriter err = new StringWriter();
    int code;
    try {
      CommandLine line = AlexNetCommand.commandLine();
      line.setErr(new PrintWriter(err, true));
      line.setOut(new PrintWriter(new StringWriter(), true));
      code =
          line.execute(
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
    } finally {
      System.clearProperty("spark.master");
    }
    assertEquals(ExitCodes.USAGE, code, err.toString());
    assertTrue(err.toString().contains("'model.classes' = 1000"), err.toString());
    assertTrue(err.toString().contains("has 10 classes"), err.toString());
    assertTrue(!HDFS.fileSystem().exists(new Path("/runs/cli-refused")), "nothing written");
  }
}
