/**
 * Configuration: the paper's values as defaults ({@code conf/alexnet.conf}), layered with a user's
 * HOCON files and {@code --set key=value} overrides, validated into one immutable {@link
 * org.alexnetspark.config.AlexNetConfig} (one record per stage: model, optimizer, data, augment,
 * train, retrain) before any work starts; every problem is reported at once by {@link
 * org.alexnetspark.config.InvalidConfigException}. {@link org.alexnetspark.config.Seeds} derives
 * every random stream from the configured seeds.
 */
package org.alexnetspark.config;
