package org.alexnetspark.registry;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the registry records about one version ({@code registry.json} in the version's folder,
 * sealed with the model): where it came from, what it was trained on (by content), and how it was
 * judged against the version it was meant to replace.
 *
 * @param version the version's name ({@code v0001}, ...)
 * @param parent the version it was warm-started from and compared against, or null
 * @param heldOut the held-out dataset both candidate and current were evaluated on
 * @param heldOutManifestSha256 SHA-256 of the held-out set's manifest
 * @param tenCropTop1Error its ten-crop top-1 error on {@code heldOut}
 * @param tenCropTop5Error its ten-crop top-5 error on {@code heldOut}
 * @param dataManifestSha256 SHA-256 of the training set's manifest
 * @param validationManifestSha256 SHA-256 of the validation set's manifest
 * @param configurationSha256 SHA-256 of the effective configuration retraining was asked with
 * @param labelMapSha256 SHA-256 of the label map (index, wnid, name per class)
 * @param runId what identifies the retraining run: a digest of parent, manifests and configuration
 * @param run the training run folder it came from
 * @param gate the comparison with {@code parent}, or null for a first version
 * @param created when it was registered (ISO-8601)
 */
public record RegistryEntry(
    String version,
    String parent,
    @JsonProperty("held_out") String heldOut,
    @JsonProperty("held_out_manifest_sha256") String heldOutManifestSha256,
    @JsonProperty("ten_crop_top1_error") double tenCropTop1Error,
    @JsonProperty("ten_crop_top5_error") double tenCropTop5Error,
    @JsonProperty("data_manifest_sha256") String dataManifestSha256,
    @JsonProperty("validation_manifest_sha256") String validationManifestSha256,
    @JsonProperty("configuration_sha256") String configurationSha256,
    @JsonProperty("label_map_sha256") String labelMapSha256,
    @JsonProperty("run_id") String runId,
    String run,
    PromotionGate.Report gate,
    String created) {

  /** This entry as version {@code name}, registered at {@code time}. */
  RegistryEntry named(String name, String time) {
    return new RegistryEntry(
        name,
        parent,
        heldOut,
        heldOutManifestSha256,
        tenCropTop1Error,
        tenCropTop5Error,
        dataManifestSha256,
        validationManifestSha256,
        configurationSha256,
        labelMapSha256,
        runId,
        run,
        gate,
        time);
  }
}
