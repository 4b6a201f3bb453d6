package org.alexnetspark.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The result of {@code alexnet evaluate} ({@code eval.json}): top-1 and top-5 accuracy and error
 * with the centre crop and with the paper's ten-crop average, per class, and where it all came
 * from. Accuracies and errors are fractions in [0, 1].
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
 * @param classes per-class figures, in output order
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
    List<ClassResult> classes,
    Provenance provenance) {

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
   * @param model the model folder
   * @param modelInfo the model's description (label map, training data, epochs, versions)
   * @param data the evaluated dataset
   * @param dataManifestSha256 SHA-256 of its manifest
   * @param config the effective configuration of the evaluation (HOCON)
   * @param versions versions of this project and its stack
   * @param created when (ISO-8601)
   */
  public record Provenance(
      String model,
      Map<String, Object> modelInfo,
      String data,
      @JsonProperty("data_manifest_sha256") String dataManifestSha256,
      String config,
      Map<String, String> versions,
      String created) {}
}
