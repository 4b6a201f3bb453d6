package org.alexnetspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.registry.ModelRegistry;
import org.alexnetspark.registry.RegistryEntry;
import org.alexnetspark.spark.SparkJobs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alexnet models}: the model registry (no Spark). */
@Command(
    name = "models",
    description = "List, show, promote and roll back registered model versions.",
    subcommands = {
      ModelsCommand.ListVersions.class,
      ModelsCommand.Show.class,
      ModelsCommand.Promote.class,
      ModelsCommand.Rollback.class,
      CommandLine.HelpCommand.class
    })
final class ModelsCommand implements Runnable {
  @Spec private CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing action: list, show, promote or rollback");
  }

  /** Which registry and model. */
  static final class Where {
    @Option(
        names = "--registry",
        required = true,
        paramLabel = "URI",
        description = "The registry's root.")
    String registry;

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "The model's name.")
    String name;

    ModelRegistry open() {
      Storage storage =
          new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet models")));
      return new ModelRegistry(storage, Storage.toUri(registry), name);
    }
  }

  @Command(name = "list", description = "Every version, oldest first; * marks the current one.")
  static final class ListVersions implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Override
    public Integer call() throws Exception {
      ModelRegistry registry = where.open();
      String current = registry.current();
      var out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "  %-8s %-8s %-12s %-12s %-24s %s%n",
          "version",
          "parent",
          "top-1 err",
          "top-5 err",
          "registered",
          "held-out set");
      for (String version : registry.versions()) {
        RegistryEntry e = registry.entry(version);
        out.printf(
            Locale.ROOT,
            "%s %-8s %-8s %-12.4f %-12.4f %-24s %s%n",
            version.equals(current) ? "*" : " ",
            version,
            e.parent() == null ? "-" : e.parent(),
            e.tenCropTop1Error(),
            e.tenCropTop5Error(),
            e.created(),
            e.heldOut());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", description = "One version's registry record (default: the current one).")
  static final class Show implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Parameters(arity = "0..1", paramLabel = "VERSION")
    private String version;

    @Override
    public Integer call() throws Exception {
      ModelRegistry registry = where.open();
      String which = version != null ? version : registry.current();
      if (which == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "no current version: name one");
      }
      spec.commandLine().getOut().println(Json.write(registry.entry(which)));
      spec.commandLine().getOut().println("model: " + registry.location(which));
      return ExitCodes.OK;
    }
  }

  @Command(name = "promote", description = "Make VERSION the current one.")
  static final class Promote implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Parameters(paramLabel = "VERSION")
    private String version;

    @Override
    public Integer call() throws Exception {
      where.open().promote(version, "promoted by hand");
      spec.commandLine().getOut().println(version + " is now current");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "rollback",
      description = "Make current again the version that was current before.")
  static final class Rollback implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Override
    public Integer call() throws Exception {
      String version = where.open().rollback("rolled back by hand");
      spec.commandLine().getOut().println(version + " is now current");
      return ExitCodes.OK;
    }
  }
}
