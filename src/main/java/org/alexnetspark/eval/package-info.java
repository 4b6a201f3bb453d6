/**
 * Evaluation: top-1 and top-5 accuracy and error of a trained model, or of the average of several
 * models' softmax outputs (the paper's "5 CNNs"), on a prepared dataset, with the centre crop and
 * the paper's ten-crop average in one pass, per class, with confusion matrices ({@link
 * org.alexnetspark.eval.EvaluationJob}, {@code alexnet evaluate}: {@code eval.json}, {@code
 * confusion.csv}, {@code confusion.png}); the errors beside the paper's rows ({@link
 * org.alexnetspark.eval.PaperTable}); an ILSVRC-2012 submission file with the devkit ({@link
 * org.alexnetspark.eval.IlsvrcSubmission}). The counting over Spark, {@link
 * org.alexnetspark.eval.Evaluator}, also gives training its validation accuracy.
 */
package org.alexnetspark.eval;
