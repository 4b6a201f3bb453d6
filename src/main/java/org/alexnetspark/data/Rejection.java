package org.alexnetspark.data;

import java.io.Serializable;

/**
 * An input that was skipped, and why.
 *
 * @param input where it is (a URI)
 * @param reason what was wrong, in words
 */
public record Rejection(String input, String reason) implements Serializable {}
