/**
 * Configuration: the paper's values as defaults ({@code conf/alexnet.conf}), layered with a user's
 * HOCON file and {@code --set key=value} overrides, validated into one immutable {@link
 * org.alexnetspark.config.AlexNetConfig} before any work starts.
 */
package org.alexnetspark.config;
