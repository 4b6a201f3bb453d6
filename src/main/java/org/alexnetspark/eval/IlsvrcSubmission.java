package org.alexnetspark.eval;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.data.IlsvrcDevkit;
import org.alexnetspark.data.Label;

/**
 * An ILSVRC-2012 classification submission, in the devkit's format: one line per validation image,
 * in image order (the line of {@code ILSVRC2012_val_00000001} first), holding the image's {@link
 * Evaluator#RANKED} predicted classes as {@code ILSVRC2012_ID}s of the devkit's {@code meta.mat},
 * best first, separated by spaces. The network's outputs follow the label map (sorted wnids); the
 * IDs follow {@code meta.mat}, so every output is mapped through its wnid.
 *
 * @param idOfClass the {@code ILSVRC2012_ID} of each network output
 * @param images validation images of the devkit's ground truth (lines of the file)
 * @param devkit where the devkit was read, for errors
 */
public record IlsvrcSubmission(int[] idOfClass, int images, String devkit) {
  /** The submission file's name in the evaluation's output folder. */
  public static final String FILE = "ilsvrc-submission.txt";

  private static final Pattern VALIDATION_IMAGE = Pattern.compile("ILSVRC2012_val_(\\d{8})");

  /**
   * The submission of a dataset with {@code labels} and {@code records} images, checked against
   * {@code devkit}: every class must be a synset of its {@code meta.mat}, and the dataset must hold
   * every validation image of its ground truth.
   *
   * @return the submission, or the problems found (naming the dataset and the devkit)
   */
  public static Checked check(
      IlsvrcDevkit devkit, URI devkitLocation, List<Label> labels, long records, URI data) {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> ids = devkit.idByWnid();
    int[] idOfClass = new int[labels.size()];
    List<String> unknown = new ArrayList<>();
    for (Label label : labels) {
      Integer id = ids.get(label.wnid());
      if (id == null) {
        unknown.add(label.wnid());
      } else {
        idOfClass[label.index()] = id;
      }
    }
    if (!unknown.isEmpty()) {
      problems.add(
          "the classes "
              + unknown.subList(0, Math.min(5, unknown.size()))
              + (unknown.size() > 5 ? " and " + (unknown.size() - 5) + " more" : "")
              + " of "
              + data
              + " are no synsets of "
              + devkitLocation
              + "'s meta.mat; a submission needs a dataset of ILSVRC-2012 classes");
    }
    int images = devkit.groundTruth().size();
    if (records != images) {
      problems.add(
          data
              + " holds "
              + records
              + " images, the ground truth of "
              + devkitLocation
              + " "
              + images
              + "; a submission needs a line for every validation image: prepare "
              + "ILSVRC2012_img_val.tar with this --devkit");
    }
    return new Checked(
        problems.isEmpty()
            ? new IlsvrcSubmission(idOfClass, images, devkitLocation.toString())
            : null,
        problems);
  }

  /** A submission, or why there can be none. */
  public record Checked(IlsvrcSubmission submission, List<String> problems) {}

  /**
   * The file's text: a line per validation image, in image order.
   *
   * @param ranked every evaluated image's best classes, in any order
   * @throws IOException if an image is not named {@code ILSVRC2012_val_<8 digits>}, is out of the
   *     ground truth's range, is there twice, or is missing
   */
  public String text(List<Evaluator.Ranked> ranked) throws IOException {
    int[][] lines = new int[images][];
    for (Evaluator.Ranked image : ranked) {
      Matcher name = VALIDATION_IMAGE.matcher(image.key());
      int n = -1;
      while (name.find()) {
        n = Integer.parseInt(name.group(1));
      }
      if (n < 1 || n > images) {
        throw new IOException(
            "image "
                + image.key()
                + " is not one of ILSVRC2012_val_00000001 to ILSVRC2012_val_"
                + String.format("%08d", images)
                + " of "
                + devkit
                + "'s ground truth; a submission is made of the ILSVRC-2012 validation set");
      }
      if (lines[n - 1] != null) {
        throw new IOException(
            "validation image " + n + " was evaluated twice (" + image.key() + ")");
      }
      lines[n - 1] = image.classes();
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < images; i++) {
      if (lines[i] == null) {
        throw new IOException(
            String.format(
                "no result for ILSVRC2012_val_%08d (could it not be decoded?): a submission needs"
                    + " a line for every image of %s's ground truth",
                i + 1, devkit));
      }
      for (int k = 0; k < lines[i].length; k++) {
        text.append(k == 0 ? "" : " ").append(idOfClass[lines[i][k]]);
      }
      text.append('\n');
    }
    return text.toString();
  }
}
