package org.alexnetspark.config;

/** Which AlexNet to build; all three come from one builder. */
public enum ModelVariant {
  /** Two towers, as trained on two GPUs in the paper: 60,965,224 parameters for 1000 classes. */
  PAPER("paper"),
  /** The paper's widths without the tower split: 62,378,344 parameters for 1000 classes. */
  SINGLE_TOWER("single-tower"),
  /** The paper's two-tower topology shrunk by {@code model.scaled.*}, for CPU demos and tests. */
  SCALED("scaled");

  private final String configName;

  ModelVariant(String configName) {
    this.configName = configName;
  }

  /** Whether conv2, conv4 and conv5 are split into two towers (groups = 2). */
  public boolean hasTowers() {
    return this != SINGLE_TOWER;
  }

  /** The name used in configuration files and on the command line. */
  @Override
  public String toString() {
    return configName;
  }
}
