// Test helper: runs the `lethe` command line in-process with captured stdout/stderr (picocli's writers and
// System.err, where log messages go) and returns the exit code and both texts.
package ai.lethe.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import picocli.CommandLine;

final class Cli {
    record Result(int code, String out, String err) {}

    private Cli() {}

    static Result run(String... args) {
        return run(cmd -> {}, args);
    }

    /** Runs with {@code setup} applied to the command line first (to add test-only subcommands). */
    static synchronized Result run(Consumer<CommandLine> setup, String... args) {
        CommandLine cmd = Main.commandLine();
        setup.accept(cmd);
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        PrintStream oldErr = System.err;
        var logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = cmd.execute(args);
        } finally {
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(), err + logged.toString(StandardCharsets.UTF_8));
    }

    /** Puts logging back to what a plain `lethe` run has (after a test that used -v). */
    static void configureDefaultLogging() {
        CliLogging.configure(0, false);
    }
}
