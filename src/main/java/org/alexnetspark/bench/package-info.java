/**
 * Benchmarks behind {@code alexnet bench}: measured rates printed with what they are compared to.
 */
package org.alexnetspark.bench;
