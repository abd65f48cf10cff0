// `lethe tune`'s command line: it is listed in the help, and bad arguments are usage errors naming the option
// (budget, target, method, forget request, model), with nothing written.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TuneCommandTest {
    @Test void theHelpListsTune() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("tune"), r.out());
        Cli.Result h = Cli.run("tune", "--help");
        assertEquals(0, h.code());
        for (String o : new String[] {"--model", "--forget", "--method", "--budget", "--out", "--target"}) assertTrue(h.out().contains(o), o);
    }

    @Test void badArgumentsAreUsageErrorsNamingTheOption(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path out = dir.resolve("out");
        String[][] cases = {
                {"--budget", "0", "--budget"},
                {"--target", "1.5", "--target"},
                {"--method", "nope", "--method"},
                {"--forget", "bogus", "--forget"},
        };
        for (String[] c : cases) {
            String method = c[0].equals("--method") ? c[1] : "ssd";
            String forget = c[0].equals("--forget") ? c[1] : "class=3";
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("tune", "--model", model.toString(), "--forget", forget,
                    "--method", method, "--out", out.toString()));
            if (!c[0].equals("--method") && !c[0].equals("--forget")) args.addAll(java.util.List.of(c[0], c[1]));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertNotEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.err().contains(c[2]), c[2] + " named in: " + r.err());
        }
        Cli.Result missing = Cli.run("tune", "--model", dir.resolve("absent").toString(), "--forget", "class=3", "--method", "ssd",
                "--out", out.toString());
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("--model"), missing.err());
        Cli.Result required = Cli.run("tune", "--forget", "class=3", "--method", "ssd");
        assertNotEquals(0, required.code());
        assertTrue(required.err().contains("--model"), required.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
