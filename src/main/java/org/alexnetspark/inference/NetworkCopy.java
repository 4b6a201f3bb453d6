package org.alexnetspark.inference;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network as sent to Spark executors: its configuration and a copy of its parameters. Broadcast a
 * copy, never the driver's live arrays (Spark closes broadcast values it cleans up), and destroy
 * the broadcast when the job is done.
 *
 * @param configuration the network's configuration as JSON
 * @param parameters a copy of its parameters
 */
public record NetworkCopy(String configuration, INDArray parameters) implements Serializable {

  /** A copy of {@code network}'s configuration and parameters. */
  public static NetworkCopy of(ComputationGraph network) {
    return new NetworkCopy(network.getConfiguration().toJson(), network.params().dup());
  }

  /** The network, rebuilt with its own copy of the parameters (once per task). */
  public ComputationGraph rebuild() {
    ComputationGraph graph =
        new ComputationGraph(ComputationGraphConfiguration.fromJson(configuration));
    graph.init(parameters.dup(), false);
    return graph;
  }
}
