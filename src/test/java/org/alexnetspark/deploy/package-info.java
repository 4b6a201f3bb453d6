/**
 * Tests of what is deployed beside the code: the Spark properties and log4j2 configuration in
 * {@code conf/}, the YARN scripts in {@code jobs/yarn/}, the Spark operator specs in {@code
 * jobs/kubernetes/} and the images in {@code docker/}. They check that everything these files name
 * exists (classes, subcommands, options, configuration keys, paths in the images) and that the
 * files agree with each other and with the build.
 */
package org.alexnetspark.deploy;
