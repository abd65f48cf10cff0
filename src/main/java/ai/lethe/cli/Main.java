// The `lethe` command line: the top-level command with its global options (--debug, --verbose, --device),
// --help and --version, and the subcommands. New commands (train, unlearn, eval, bench, demo) are added to
// the `subcommands` list below. Errors print one line to stderr and exit non-zero; --debug adds the trace.
package ai.lethe.cli;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.DistributedEnvironment;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;

@Command(name = "lethe",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        synopsisSubcommandLabel = "COMMAND",
        description = "Train image models (ResNet18, ViT) and make them forget (machine unlearning).",
        footer = {"", "Run 'lethe help COMMAND' or 'lethe COMMAND --help' for a command's options."},
        subcommands = {InfoCommand.class, TrainCommand.class, EvalCommand.class, PruneCommand.class, UnlearnCommand.class,
                ExperimentCommand.class, TuneCommand.class, TransferCommand.class, DemoCommand.class, BenchCommand.class, LaunchCommand.class,
                HelpCommand.class})
public final class Main {

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error, and of logged exceptions.")
    boolean debug;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More log output on stderr: -v Lethe's debug messages, -vv its trace messages too.")
    boolean[] verbose = new boolean[0];

    @Option(names = "--device", scope = ScopeType.INHERIT, paramLabel = "DEVICE",
            description = "Default device for tensors: cpu, ref, cuda[:N] or cuda-emu (the CUDA emulator: only when named here,"
                    + " never chosen by itself; else -Dlethe.device, LETHE_DEVICE,"
                    + " or the best available one).")
    String device;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A configured command line: run it with {@code execute(args)}; tests capture its out/err writers. */
    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cmd = new CommandLine(main);
        cmd.setExecutionStrategy(main::execute);
        cmd.setExecutionExceptionHandler(main::handleError);
        return cmd;
    }

    /** Applies the global options, then runs the most specific command given. */
    private int execute(ParseResult parseResult) {
        CliLogging.configure(verbose.length, debug);
        CommandLine last = parseResult.asCommandLineList().getLast();
        try {
            if (device != null) {
                Backends.setDefaultDevice(Device.parse(device));
            }
            // a rank of a group (mpirun, srun, `lethe launch` named more than one rank): join it first; launch
            // itself is the launcher, never a rank
            boolean joined = !(last.getCommand() instanceof LaunchCommand) && DistributedEnvironment.detect().distributed();
            if (joined) Distributed.joinFromEnvironment(device == null ? null : Device.parse(device));
            int status = new CommandLine.RunLast().execute(parseResult);
            // MPI_Finalize / ncclCommDestroy on success; a failed rank exits without it, and its launcher stops the rest
            if (joined && status == 0) Distributed.leave();
            return status;
        } catch (ExecutionException | CommandLine.ParameterException e) {
            throw e;
        } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
            // failures outside a command's own call() (device setup, backend discovery, native linking)
            throw new ExecutionException(last, String.valueOf(e.getMessage()), e);
        }
    }

    /** One line on stderr, `lethe COMMAND: error: message`; the stack trace only with --debug. */
    private int handleError(Exception ex, CommandLine cmd, ParseResult parseResult) {
        Throwable cause = ex;
        while (cause instanceof ExecutionException && cause.getCause() != null) cause = cause.getCause();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": error: " + describe(cause));
        if (debug) cause.printStackTrace(err);
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    /** The message of an exception, or its type where it has none; nested causes whose text adds to it. */
    static String describe(Throwable t) {
        String msg = t.getMessage();
        String text = msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
        Throwable c = t.getCause();
        if (c != null && c != t && c.getMessage() != null && !text.contains(c.getMessage())) {
            text += ": " + c.getMessage();
        }
        return text;
    }
}
