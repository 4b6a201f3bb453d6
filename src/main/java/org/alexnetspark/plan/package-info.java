/**
 * The cost model of parameter averaging on a GPU cluster ({@link org.alexnetspark.plan.CostModel}):
 * bytes per round per node and time on the links for the driver and tree ways of adding results up,
 * and the averaging frequency that keeps averaging under a share of wall time; {@code alexnet plan}
 * prints it.
 */
package org.alexnetspark.plan;
