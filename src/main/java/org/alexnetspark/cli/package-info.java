/**
 * The {@code alexnet} command line: a picocli root command ({@link
 * org.alexnetspark.cli.AlexNetCommand}) with one subcommand per job. Only this package knows about
 * the command line; each subcommand parses, loads and validates the configuration, runs one stage
 * and returns an exit code (0 done, 1 failed while running, 2 command line or configuration
 * refused, 130 interrupted). It also reports Ctrl-C and refused Kerberos credentials in one line,
 * and filters a stray debugging line ND4J prints to standard output.
 */
package org.alexnetspark.cli;
