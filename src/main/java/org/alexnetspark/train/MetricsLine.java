package org.alexnetspark.train;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A line of {@code metrics.jsonl}: its {@code "kind"} says which. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RoundMetrics.class, name = "round"),
  @JsonSubTypes.Type(value = EpochMetrics.class, name = "epoch")
})
public sealed interface MetricsLine permits RoundMetrics, EpochMetrics {
  /** Iterations done when the line was written. */
  long iteration();
}
