package org.alexnetspark.registry;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the registry records about one version ({@code registry.json} in the version's folder,
 * sealed with the model): how it was evaluated and where it came from.
 *
 * @param version the version's name ({@code v0001}, ...)
 * @param parent the version it was warm-started from, or null
 * @param heldOut the held-out dataset both candidate and current were evaluated on
 * @param tenCropTop1Error its ten-crop top-1 error on {@code heldOut}
 * @param tenCropTop5Error its ten-crop top-5 error on {@code heldOut}
 * @param dataManifestSha256 SHA-256 of the training set's manifest
 * @param run the training run folder it came from
 * @param created when it was registered (ISO-8601)
 */
public record RegistryEntry(
    String version,
    String parent,
    @JsonProperty("held_out") String heldOut,
    @JsonProperty("ten_crop_top1_error") double tenCropTop1Error,
    @JsonProperty("ten_crop_top5_error") double tenCropTop5Error,
    @JsonProperty("data_manifest_sha256") String dataManifestSha256,
    String run,
    String created) {}
