/**
 * Whether this JVM has the JDK's Vector API ({@code jdk.incubator.vector}, an incubator module in
 * Java 17 that every JVM the project starts is given with {@code --add-modules}): the vectorised
 * loops of the training augmentation and the LRN gradient are used where it is, and plain loops
 * with the same results where it is not.
 */
package org.alexnetspark.simd;
