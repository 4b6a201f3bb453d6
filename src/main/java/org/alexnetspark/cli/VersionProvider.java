package org.alexnetspark.cli;

import java.util.Map;
import org.alexnetspark.io.BuildInfo;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: this project's version and those of the stack it was built with. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    Map<String, String> versions = BuildInfo.versions();
    StringBuilder stack = new StringBuilder();
    versions.forEach(
        (name, version) -> {
          if (!name.equals("alexnet-spark")) {
            stack.append(stack.length() == 0 ? "" : ", ").append(name).append(' ').append(version);
          }
        });
    return new String[] {"alexnet-spark " + BuildInfo.version(), stack.toString()};
  }
}
