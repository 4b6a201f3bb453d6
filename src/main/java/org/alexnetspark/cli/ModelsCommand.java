package org.alexnetspark.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.registry.ModelRegistry;
import org.alexnetspark.registry.PromotionGate;
import org.alexnetspark.registry.RegistryEntry;
import org.alexnetspark.registry.RegistryLock;
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

    ModelRegistry open(CommandSpec spec) {
      Storage storage =
          new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet models")));
      var err = spec.commandLine().getErr();
      return new ModelRegistry(storage, Storage.toUri(registry), name)
          .withLocking(
              RegistryLock.Timing.WRITES,
              line -> {
                err.println(line);
                err.flush();
              });
    }
  }

  /** {@code text} if it is a version name, else a command-line error (exit 2). */
  static String versionName(CommandSpec spec, String text) {
    try {
      return ModelRegistry.versionName(text);
    } catch (InvalidConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.problems().get(0));
    }
  }

  @Command(name = "list", description = "Every version, oldest first; * marks the current one.")
  static final class ListVersions implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Override
    public Integer call() throws Exception {
      ModelRegistry registry = where.open(spec);
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
      List<ModelRegistry.Promotion> history = registry.promotions();
      if (!history.isEmpty()) {
        out.println("history (oldest first):");
        for (ModelRegistry.Promotion p : history) {
          out.printf(
              Locale.ROOT,
              "  %s %-8s %s -> %s (%s, %s)%n",
              p.time(),
              p.action().toString().toLowerCase(Locale.ROOT),
              p.from() == null ? "-" : p.from(),
              p.to(),
              p.by(),
              p.reason());
        }
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
      ModelRegistry registry = where.open(spec);
      String which = version != null ? versionName(spec, version) : registry.current();
      if (which == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "no current version: name one");
      }
      var out = spec.commandLine().getOut();
      RegistryEntry entry = registry.entry(which);
      out.println(Json.write(entry));
      out.println("model: " + registry.location(which));
      out.println(which.equals(registry.current()) ? "current: yes" : "current: no");
      PromotionGate.Report gate = entry.gate();
      if (gate != null) {
        out.printf(
            Locale.ROOT,
            "gate against %s: top-1 error %.4f -> %.4f on %d images; McNemar %d vs %d, p = %.4g%n",
            gate.current(),
            gate.currentTop1Error(),
            gate.candidateTop1Error(),
            gate.images(),
            gate.candidateOnlyRight(),
            gate.currentOnlyRight(),
            gate.pValue());
        out.println("decision: " + gate.decision());
      }
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
      versionName(spec, version);
      boolean changed = where.open(spec).promote(version, "promoted by hand");
      spec.commandLine()
          .getOut()
          .println(version + (changed ? " is now current" : " was already current"));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "rollback",
      description =
          "Walk the promotion history back one step: the version promoted before the current one"
              + " becomes current again (v1, v2, v3; rollback: v2; rollback: v1).")
  static final class Rollback implements Callable<Integer> {
    @Spec private CommandSpec spec;
    @CommandLine.Mixin private Where where;

    @Override
    public Integer call() throws Exception {
      String version = where.open(spec).rollback("rolled back by hand");
      spec.commandLine().getOut().println(version + " is now current");
      return ExitCodes.OK;
    }
  }
}
