package org.alexnetspark.config;

import java.io.Serializable;

/**
 * What the jobs may do with the GPUs Spark schedules ({@code gpu.*}).
 *
 * @param allowCpuFallback whether a worker that Spark gave a GPU address may run on ND4J's CPU
 *     backend when the CUDA backend is missing or does not load; if not (the default), the job
 *     stops at once naming the host, executor, GPU address and what failed to load
 */
public record GpuConfig(boolean allowCpuFallback) implements Serializable {

  static GpuConfig read(ConfigReader in) {
    return new GpuConfig(in.bool("gpu.allow-cpu-fallback"));
  }
}
