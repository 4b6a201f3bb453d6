package org.alexnetspark.cli;

import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.ApplicationAttempt;
import org.alexnetspark.spark.GpuAssignment;
import org.alexnetspark.spark.KerberosLogin;
import org.alexnetspark.train.TrainingDivergedException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code alexnet} root command: AlexNet (NIPS 2012) trained as a distributed Spark job. */
@Command(
    name = "alexnet",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = "Train and use AlexNet (Krizhevsky, Sutskever, Hinton, NIPS 2012) on Spark.",
    subcommands = {
      DemoCommand.class,
      ModelCommand.class,
      ConvertIdxCommand.class,
      PrepareCommand.class,
      StatsCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
      FeaturesCommand.class,
      NeighborsCommand.class,
      FiltersCommand.class,
      PlotCommand.class,
      RetrainCommand.class,
      ModelsCommand.class,
      BenchCommand.class,
      PlanCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AlexNetCommand implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** The command line with this project's exit codes and error messages. */
  public static CommandLine commandLine() {
    CommandLine line = new CommandLine(new AlexNetCommand());
    CommandLine.IParameterExceptionHandler standard = line.getParameterExceptionHandler();
    line.setParameterExceptionHandler(
        (e, args) -> {
          // "--set key = value" leaves "=" and the value unmatched: picocli would repeat them, and
          // the value may be a secret.
          if (e instanceof CommandLine.UnmatchedArgumentException unmatched
              && ConfigOptions.followSet(unmatched.getUnmatched(), args)) {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr()
                .println(
                    cmd.getCommandName()
                        + ": "
                        + unmatched.getUnmatched().size()
                        + " argument(s) after a --set were not expected (not repeated here: they"
                        + " may hold a secret); a --set takes one KEY=VALUE word: write it without"
                        + " spaces around '=', or quote it, e.g. --set 'key=\"a b\"'");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
          }
          return standard.handleParseException(e, args);
        });
    line.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String name = cmd.getCommandName();
          if (Interruption.happened()) {
            cmd.getErr()
                .println(
                    name
                        + ": interrupted"
                        + (name.equals("train")
                            ? "; continue where it stopped with the same command and --resume"
                            : ""));
            return ExitCodes.INTERRUPTED;
          }
          if (e instanceof InvalidConfigException) {
            cmd.getErr().println(name + ": " + e.getMessage());
            return ExitCodes.USAGE;
          }
          if (e instanceof Storage.ArtifactExistsException
              || e instanceof TrainingDivergedException) {
            cmd.getErr().println(name + ": " + e.getMessage());
            return ExitCodes.FAILED;
          }
          // A worker's GPU refused (no CUDA backend, an unsupported GPU): Spark's stage failure
          // wraps it; the user reads the worker's own message, first and alone.
          var device = GpuAssignment.refusalIn(e);
          if (device.isPresent()) {
            LoggerFactory.getLogger(AlexNetCommand.class).debug("device refused", e);
            cmd.getErr().println(name + ": " + device.get().getMessage());
            return ExitCodes.FAILED;
          }
          if (e instanceof KerberosLogin.LoginFailedException) {
            LoggerFactory.getLogger(AlexNetCommand.class).debug("login failure", e);
            cmd.getErr().println(name + ": " + e.getMessage());
            return ExitCodes.FAILED;
          }
          // A secured cluster refused: the same command succeeds once credentials are given (or a
          // ticket is in the cache), and a ticket can also run out mid-run, so this is a failure
          // while running (1), not a refused command line (2).
          var refusal = AuthenticationRefusal.of(e);
          if (refusal.isPresent()) {
            LoggerFactory.getLogger(AlexNetCommand.class).debug("authentication refused", e);
            cmd.getErr().println(name + ": " + refusal.get().message(cmd));
            return ExitCodes.FAILED;
          }
          LoggerFactory.getLogger(AlexNetCommand.class).debug("failure", e);
          cmd.getErr().println(name + ": failed: " + e);
          return ExitCodes.FAILED;
        });
    return line;
  }

  public static void main(String[] args) {
    StdoutNoiseFilter.install();
    Interruption.install();
    CommandLine line = commandLine();
    int code = line.execute(args);
    line.getOut().flush();
    line.getErr().flush();
    Interruption.reported();
    // The driver in YARN cluster mode: Spark's ApplicationMaster reports success only when main
    // returns; any exit, even with 0, fails the attempt and YARN runs the application again.
    if (code == ExitCodes.OK && ApplicationAttempt.current().isPresent()) {
      return;
    }
    System.exit(code);
  }
}
