package org.alexnetspark.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The result of {@code alexnet evaluate} ({@code eval.json}): top-1 and top-5 accuracy and error
 * with the centre crop and with the paper's ten-crop average, per class, and where it all came
 * from. With several models, the top-level and per-class figures are those of the average of their
 * softmax outputs over the same crops (the paper's "5 CNNs"), and {@code models} holds each model's
 * own. Accuracies and errors are fractions in [0, 1].
 *
 * @param images images evaluated
 * @param top1 centre-crop top-1 accuracy
 * @param top5 centre-crop top-5 accuracy
 * @param tenCropTop1 ten-crop top-1 accuracy
 * @param tenCropTop5 ten-crop top-5 accuracy
 * @param top1Error {@code 1 - top1}
 * @param top5Error {@code 1 - top5}
 * @param tenCropTop1Error {@code 1 - tenCropTop1}
 * @param tenCropTop5Error {@code 1 - tenCropTop5}
 * @param models each model's own errors, in the order given (one entry for one model)
 * @param classes per-class figures, in output order
 * @param submission the ILSVRC submission file written, or null
 * @param provenance what was evaluated on what
 */
public record EvaluationReport(
    long images,
    double top1,
    double top5,
    @JsonProperty("ten_crop_top1") double tenCropTop1,
    @JsonProperty("ten_crop_top5") double tenCropTop5,
    @JsonProperty("top1_error") double top1Error,
    @JsonProperty("top5_error") double top5Error,
    @JsonProperty("ten_crop_top1_error") double tenCropTop1Error,
    @JsonProperty("ten_crop_top5_error") double tenCropTop5Error,
    List<ModelResult> models,
    List<ClassResult> classes,
    String submission,
    Provenance provenance) {

  /** Whether the figures are of several models' averaged outputs. */
  public boolean averaged() {
    return models.size() > 1;
  }

  /**
   * One model's own errors.
   *
   * @param model the model folder
   * @param modelInfo its description (training data, epochs, versions; the label map is per class)
   */
  public record ModelResult(
      String model,
      Map<String, Object> modelInfo,
      @JsonProperty("top1_error") double top1Error,
      @JsonProperty("top5_error") double top5Error,
      @JsonProperty("ten_crop_top1_error") double tenCropTop1Error,
      @JsonProperty("ten_crop_top5_error") double tenCropTop5Error) {}

  /**
   * One class.
   *
   * @param index its output index
   * @param wnid its folder name
   * @param name its name
   * @param images its images in the evaluated set
   * @param top1 centre-crop top-1 accuracy on them (NaN for none)
   * @param tenCropTop1 ten-crop top-1 accuracy on them (NaN for none)
   */
  public record ClassResult(
      int index,
      String wnid,
      String name,
      long images,
      double top1,
      @JsonProperty("ten_crop_top1") double tenCropTop1) {}

  /**
   * @param data the evaluated dataset
   * @param dataManifestSha256 SHA-256 of its manifest
   * @param config the effective configuration of the evaluation (HOCON)
   * @param versions versions of this project and its stack
   * @param created when (ISO-8601)
   */
  public record Provenance(
      String data,
      @JsonProperty("data_manifest_sha256") String dataManifestSha256,
      String config,
      Map<String, String> versions,
      String created) {}
}
