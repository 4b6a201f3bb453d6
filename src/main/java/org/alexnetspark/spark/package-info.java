/**
 * Spark plumbing shared by the jobs: starting a context (local Spark when no master is given;
 * {@link org.alexnetspark.spark.SparkJobs}), Kryo set-up, pinning a task's ND4J work to the GPU
 * Spark gave it ({@link org.alexnetspark.spark.GpuAssignment}), logging in to Kerberos from a
 * keytab before storage is read ({@link org.alexnetspark.spark.KerberosLogin}), which application a
 * driver run again by YARN or the Spark operator belongs to and which run folder it continues
 * ({@link org.alexnetspark.spark.RestartableApplication}: {@link
 * org.alexnetspark.spark.ApplicationAttempt}, {@link org.alexnetspark.spark.OperatorApplication}),
 * writing Parquet tables atomically, and showing the progress of long jobs on the driver's console.
 */
package org.alexnetspark.spark;
