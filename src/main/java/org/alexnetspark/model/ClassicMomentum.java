package org.alexnetspark.model;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Stochastic gradient descent with classic (heavy-ball, not Nesterov) momentum, the paper's
 * optimiser: {@code v <- momentum * v + lr * g; w <- w - v}. With DL4J's L2 regularisation, which
 * adds {@code decay * w} to the gradient before the updater runs, this is exactly the paper's
 * {@code v <- 0.9 v - 0.0005 lr w - lr grad; w <- w + v} (with the sign of {@code v} flipped).
 *
 * <p>DL4J ships only Nesterov momentum. This configuration class serialises to DL4J's JSON (it has
 * a no-argument constructor and plain fields) so it travels to Spark workers with the network.
 */
public final class ClassicMomentum implements IUpdater {
  private static final long serialVersionUID = 1L;

  private double learningRate;
  private ISchedule learningRateSchedule;
  private double momentum;

  /** For JSON deserialisation: the paper's values. */
  public ClassicMomentum() {
    this(0.01, 0.9);
  }

  public ClassicMomentum(double learningRate, double momentum) {
    this.learningRate = learningRate;
    this.momentum = momentum;
  }

  public double getMomentum() {
    return momentum;
  }

  @Override
  public long stateSize(long numParams) {
    return numParams;
  }

  @Override
  public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
    ClassicMomentumUpdater updater = new ClassicMomentumUpdater(this);
    updater.setStateViewArray(
        viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
    return updater;
  }

  @Override
  public GradientUpdater instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
    ClassicMomentumUpdater updater = new ClassicMomentumUpdater(this);
    updater.setState(state, initializeStateArrays);
    return updater;
  }

  @Override
  public ClassicMomentum clone() {
    ClassicMomentum copy = new ClassicMomentum(learningRate, momentum);
    copy.learningRateSchedule = learningRateSchedule == null ? null : learningRateSchedule.clone();
    return copy;
  }

  @Override
  public double getLearningRate(int iteration, int epoch) {
    return learningRateSchedule != null
        ? learningRateSchedule.valueAt(iteration, epoch)
        : learningRate;
  }

  @Override
  public boolean hasLearningRate() {
    return true;
  }

  @Override
  public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
    this.learningRate = lr;
    this.learningRateSchedule = lrSchedule;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassicMomentum other
        && Double.compare(learningRate, other.learningRate) == 0
        && Double.compare(momentum, other.momentum) == 0
        && Objects.equals(learningRateSchedule, other.learningRateSchedule);
  }

  @Override
  public int hashCode() {
    return Objects.hash(learningRate, momentum, learningRateSchedule);
  }

  @Override
  public String toString() {
    return "ClassicMomentum(lr="
        + learningRate
        + ", momentum="
        + momentum
        + (learningRateSchedule == null ? "" : ", schedule=" + learningRateSchedule)
        + ")";
  }
}
