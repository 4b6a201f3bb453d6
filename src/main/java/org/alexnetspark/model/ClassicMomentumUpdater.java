package org.alexnetspark.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The state and step of {@link ClassicMomentum}: one velocity value per parameter, held in a view
 * of the network's updater-state array so that it is saved, restored and averaged with it.
 */
final class ClassicMomentumUpdater implements GradientUpdater<ClassicMomentum> {
  /** Key of the velocity in the updater state map. */
  static final String VELOCITY = "V";

  private final ClassicMomentum config;
  private INDArray velocity;

  ClassicMomentumUpdater(ClassicMomentum config) {
    this.config = config;
  }

  @Override
  public ClassicMomentum getConfig() {
    return config;
  }

  @Override
  public void setState(Map<String, INDArray> state, boolean initialize) {
    if (state.size() != 1 || !state.containsKey(VELOCITY)) {
      throw new IllegalStateException(
          "classic momentum state must hold only '" + VELOCITY + "', got " + state.keySet());
    }
    velocity = state.get(VELOCITY);
    if (initialize) {
      velocity.assign(0);
    }
  }

  @Override
  public Map<String, INDArray> getState() {
    return Map.of(VELOCITY, velocity);
  }

  @Override
  public void setStateViewArray(
      INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
    if (initialize) {
      viewArray.assign(0);
    }
    velocity = Shape.newShapeNoCopy(viewArray, gradientShape, gradientOrder == 'f');
    if (velocity == null) {
      throw new IllegalStateException("cannot view the momentum state as the gradient's shape");
    }
  }

  /** Turns {@code gradient} into the step DL4J subtracts from the parameters. */
  @Override
  public void applyUpdater(INDArray gradient, int iteration, int epoch) {
    double lr = config.getLearningRate(iteration, epoch);
    velocity.muli(config.getMomentum()).addi(gradient.muli(lr));
    gradient.assign(velocity);
  }
}
