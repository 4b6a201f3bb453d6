/**
 * Evaluation: top-1 and top-5 accuracy and error of a trained model on a prepared dataset, with the
 * centre crop and the paper's ten-crop average in one pass, per class, with confusion matrices
 * ({@link org.alexnetspark.eval.EvaluationJob}, {@code alexnet evaluate}: {@code eval.json}, {@code
 * confusion.csv}, {@code confusion.png}). The counting over Spark, {@link
 * org.alexnetspark.eval.Evaluator}, also gives training its validation accuracy.
 */
package org.alexnetspark.eval;
