/**
 * Spark plumbing shared by the jobs: starting a context (local Spark when no master is given;
 * {@link org.alexnetspark.spark.SparkJobs}), Kryo set-up, pinning a task's ND4J work to the GPU
 * Spark gave it ({@link org.alexnetspark.spark.GpuAssignment}), logging in to Kerberos from a
 * keytab before storage is read ({@link org.alexnetspark.spark.KerberosLogin}), writing Parquet
 * tables atomically, and showing the progress of long jobs on the driver's console.
 */
package org.alexnetspark.spark;
