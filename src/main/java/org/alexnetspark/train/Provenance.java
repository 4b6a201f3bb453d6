package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.util.List;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a run's networks come from, recorded with every checkpoint and with the final model: the
 * training set (location and SHA-256 of its manifest), its label map, the model a warm start began
 * from, and how far training had got; plus the fingerprints a log line shows of the parameters a
 * run continues with.
 */
final class Provenance {
  private final URI data;
  private final String dataSha256;
  private final List<Label> labels;
  private final URI initFrom;

  /**
   * @param data the training set
   * @param dataSha256 SHA-256 of its manifest ({@link #dataSha256(Storage, URI)})
   * @param labels its label map
   * @param initFrom the saved model the run started from, or null
   */
  Provenance(URI data, String dataSha256, List<Label> labels, URI initFrom) {
    this.data = data;
    this.dataSha256 = dataSha256;
    this.labels = List.copyOf(labels);
    this.initFrom = initFrom;
  }

  /** SHA-256 of a dataset's manifest: what identifies the training set a run may resume on. */
  static String dataSha256(Storage storage, URI dataset) throws IOException {
    return Sha256.of(storage.readText(Manifest.manifestUri(dataset)));
  }

  /** The record of a network trained to {@code state}, with its validation if it was validated. */
  ModelInfo of(TrainingState state) {
    EpochMetrics last = state.lastEpoch();
    boolean validated = last != null && state.validated() && Double.isFinite(last.valTop1());
    return ModelInfo.trained(
        labels,
        state.epoch(),
        state.iteration(),
        state.images(),
        data.toString(),
        dataSha256,
        validated ? last.valTop1() : null,
        validated ? last.valTop5() : null,
        initFrom == null ? null : initFrom.toString());
  }

  /**
   * SHA-256 of an array's values as stored (row-major, native byte order), so that a log line can
   * show which parameters a run continues with; "none" for a missing array.
   */
  static String fingerprint(INDArray array) {
    if (array == null) {
      return "none";
    }
    MessageDigest digest = Sha256.digest();
    INDArray copy = array.dup('c');
    digest.update(copy.data().asNio());
    copy.close();
    return Sha256.hex(digest);
  }
}
