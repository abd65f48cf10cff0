// The README's commands, run: every ```-block right after a "<!-- doctest -->" line is read, and each of its
// `./lethe ...` lines runs in-process (Main, the code the launcher runs) and must exit 0, in order, with the
// "runs/..." paths moved into a temporary folder (so the test never writes into the checkout). `./lethe demo`
// lines are checked to parse but run by DemoCommandTest (the same --fast run, with its report checked).
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.unlearn.FashionForgetTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeCommandsTest {
    /** The `./lethe` lines of the README's doctest blocks, in order. */
    static List<String> commands() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("<!-- doctest -->")) continue;
            assertTrue(lines.get(i + 1).startsWith("```"), "a doctest marker is followed by a code block (line " + (i + 2) + ")");
            for (int j = i + 2; !lines.get(j).startsWith("```"); j++) {
                String l = lines.get(j).strip();
                if (l.isEmpty()) continue;
                assertTrue(l.startsWith("./lethe "), "doctest blocks hold ./lethe commands only: " + l);
                out.add(l);
            }
        }
        return out;
    }

    @Test void theReadmesMarkedCommandsRun(@TempDir Path dir) throws Exception {
        FashionForgetTask.assumeAvailable();
        List<String> commands = commands();
        assertTrue(commands.size() >= 8, "the README's doctest blocks: " + commands);
        for (String command : commands) {
            List<String> args = new ArrayList<>(Arrays.asList(command.substring("./lethe ".length()).split("\\s+")));
            args.replaceAll(a -> a.startsWith("runs/") ? dir.resolve(a).toString() : a);
            if (args.getFirst().equals("demo")) {
                assertTrue(args.contains("--fast"), "the README's demo doctest is the fast one: " + command);
                continue;   // DemoCommandTest runs `demo --fast` and checks its report
            }
            args.addAll(0, List.of("--device", "cpu"));
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            System.out.printf("%s: exit %d, %.1f s%n", command, r.code(), (System.nanoTime() - t0) / 1e9);
            assertEquals(0, r.code(), command + "\n" + r.out() + r.err());
        }
        assertTrue(Files.isRegularFile(dir.resolve("runs/ssd/unlearn.json")));
        assertTrue(Files.isRegularFile(dir.resolve("runs/omp90-ga/checkpoint/masks.safetensors")), "prune-then-unlearn keeps the masks");
        assertTrue(Files.isRegularFile(dir.resolve("runs/tiny/report.md")));
    }
}
