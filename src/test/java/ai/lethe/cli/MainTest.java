// The top-level `lethe` command run in-process: help, version, unknown or missing subcommands, the one-line
// error contract (stack traces only with --debug, before or after the subcommand), --verbose logging, --device.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine;

class MainTest {

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override public Integer call() { throw new IllegalStateException("it broke", new RuntimeException("root cause")); }
    }

    @Command(name = "chatty")
    static final class Chatty implements Callable<Integer> {
        @Override public Integer call() {
            System.Logger log = System.getLogger("ai.lethe.test");
            log.log(System.Logger.Level.DEBUG, "detail {0}", 42);
            log.log(System.Logger.Level.INFO, "progress");
            log.log(System.Logger.Level.WARNING, "careful");
            return 0;
        }
    }

    private static Cli.Result runWith(Object subcommand, String... args) {
        return Cli.run(cmd -> cmd.addSubcommand(subcommand), args);
    }

    @Test void helpListsInfo() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: lethe"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("info ")), r.out());
        assertTrue(r.out().contains("--version") && r.out().contains("--debug"), r.out());
    }

    @Test void helpOfASubcommand() {
        Cli.Result r = Cli.run("help", "info");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--json"), r.out());
        assertEquals(0, Cli.run("info", "--help").code());
    }

    @Test void versionNamesLetheAndJava() {
        Cli.Result r = Cli.run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("lethe " + VersionProvider.version() + "\n"), r.out());
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
        assertFalse(VersionProvider.version().isBlank());
    }

    @Test void unknownSubcommandFails() {
        Cli.Result r = Cli.run("frobnicate");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("'frobnicate'"), r.err());
        assertEquals("", r.out());
    }

    @Test void missingSubcommandFails() {
        Cli.Result r = Cli.run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required subcommand"), r.err());
    }

    @Test void unknownOptionFails() {
        Cli.Result r = Cli.run("info", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }

    @Test void errorIsOneLineWithoutStackTrace() {
        Cli.Result r = runWith(new Boom(), "boom");
        assertEquals(1, r.code());
        assertEquals("lethe boom: error: it broke: root cause" + System.lineSeparator(), r.err());
    }

    @Test void debugPrintsTheStackTraceWhereverItIsGiven() {
        for (String[] args : new String[][] {{"--debug", "boom"}, {"boom", "--debug"}}) {
            Cli.Result r = runWith(new Boom(), args);
            assertEquals(1, r.code());
            assertTrue(r.err().startsWith("lethe boom: error: it broke"), r.err());
            assertTrue(r.err().contains("java.lang.IllegalStateException: it broke"), r.err());
            assertTrue(r.err().contains("at ai.lethe.cli.MainTest$Boom.call"), r.err());
        }
    }

    @Test void logsAreOneLineAndVerboseAddsDebug() {
        Cli.Result quiet = runWith(new Chatty(), "chatty");
        assertEquals(0, quiet.code());
        assertEquals(String.join(System.lineSeparator(), "progress", "warning: careful", ""), quiet.err());

        Cli.Result verbose = runWith(new Chatty(), "chatty", "-v");
        assertEquals(String.join(System.lineSeparator(), "debug: detail 42", "progress", "warning: careful", ""),
                verbose.err());
        Cli.configureDefaultLogging();
    }

    @Test void deviceOptionChecksTheDevice() {
        Cli.Result r = Cli.run("--device", "nosuch", "info");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("lethe info: error: unknown device 'nosuch'"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test void deviceOptionSetsTheDefaultDevice() {
        Device before = Backends.defaultDevice();
        try {
            Cli.Result r = Cli.run("info", "--device", "ref");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("default device: ref (forced by --device ref)"), r.out());
        } finally {
            Backends.setDefaultDevice(before);
        }
    }

    @Test void describeAddsTheCauseOnce() {
        assertEquals("IllegalStateException", Main.describe(new IllegalStateException()));
        assertEquals("a: b", Main.describe(new RuntimeException("a", new RuntimeException("b"))));
        var inner = new RuntimeException("b");
        assertEquals("java.lang.RuntimeException: b", Main.describe(new RuntimeException(inner)));
    }

    @Test void commandLineIsFreshEachTime() {
        CommandLine a = Main.commandLine(), b = Main.commandLine();
        assertNotSame(a.getCommand(), b.getCommand());
        assertTrue(a.getSubcommands().containsKey("info"));
    }
}
