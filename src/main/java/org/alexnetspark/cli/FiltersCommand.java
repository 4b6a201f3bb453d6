package org.alexnetspark.cli;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.FirstLayerFilters;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.spark.SparkJobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet filters}: the first layer's kernels as a picture (the paper's Figure 3). */
@Command(
    name = "filters",
    description = {
      "Draw the kernels of a model's first convolution (the paper's Figure 3).",
      "Every conv1 kernel (96 of 11x11x3 for the paper's network) as an RGB picture, scaled "
          + "to [0, 255] by its own min and max and enlarged 5x, in one block per tower of conv2: "
          + "the kernels feeding the first tower, then those feeding the second."
    })
final class FiltersCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "A model folder (written by 'alexnet train', or a checkpoint).")
  private String model;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "PNG",
      description = "The picture to write (replaced if it exists).")
  private String output;

  @Override
  public Integer call() throws Exception {
    Storage storage = new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet filters")));
    BufferedImage picture =
        FirstLayerFilters.draw(new ModelStore(storage).load(Storage.toUri(model)).network());
    URI target = Storage.toUri(output);
    storage.writeFile(target, true, out -> ImageIO.write(picture, "png", out));
    spec.commandLine().getOut().println("written: " + target);
    return ExitCodes.OK;
  }
}
