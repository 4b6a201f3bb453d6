/**
 * Spark plumbing shared by the jobs: starting a context (local Spark when no master is given) and
 * showing the progress of long jobs on the driver's console.
 */
package org.alexnetspark.spark;
