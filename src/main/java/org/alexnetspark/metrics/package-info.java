/**
 * Training figures in Spark's own metrics system, so that every sink a cluster already scrapes
 * (Prometheus through {@code PrometheusServlet}, JMX, Graphite, CSV) shows them beside Spark's:
 * {@link TrainingMetricsPlugin} is a Spark plugin ({@code spark.plugins}) whose driver side
 * registers the gauges and counters that {@link TrainingGauge} holds; the training loop updates
 * them. Plain Java apart from the plugin's registration.
 */
package org.alexnetspark.metrics;
