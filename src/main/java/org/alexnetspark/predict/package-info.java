/**
 * Prediction: the most probable classes of image files, on the driver without Spark ({@link
 * org.alexnetspark.predict.FilePredictor}), or of every image of a prepared dataset as a Spark job
 * writing Parquet ({@link org.alexnetspark.predict.PredictionJob}).
 */
package org.alexnetspark.predict;
