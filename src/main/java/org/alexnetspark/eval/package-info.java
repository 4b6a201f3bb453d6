/** Evaluation: top-1 and top-5 accuracy of a network on a prepared dataset, computed on Spark. */
package org.alexnetspark.eval;
