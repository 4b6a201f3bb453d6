/**
 * The {@code alexnet} command line: a picocli root command with one subcommand per job. Only this
 * package knows about the command line; each subcommand parses, loads and validates the
 * configuration, runs one stage and returns an exit code.
 */
package org.alexnetspark.cli;
