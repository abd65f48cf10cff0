// `--precision fp32|tf32|bf16` of `lethe train` and `lethe unlearn`, and the default `lethe info` shows: a bad value
// is a usage error (exit 2) naming the option before anything is written; a bf16 run trains and its weights differ
// from the float32 run's with the same seed (the setting reached the convolutions); `lethe unlearn --precision bf16`
// records it in unlearn.json (and the default fp32 when not given); `lethe info` prints the default and where it comes
// from, in text and JSON.
package ai.lethe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Precision;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrecisionOptionTest {
    @TempDir Path dir;

    @Test void aBadValueIsAUsageErrorNamingTheOption() {
        Path out = dir.resolve("t");
        OptionValidationTest.refused("--precision", out, OptionValidationTest.with(RunFolderSafetyTest.train(out), "--precision", "fp16"));
        Path model = dir.resolve("no-model"), u = dir.resolve("u");
        Cli.Result r = Cli.run("unlearn", "--model", model.toString(), "--forget", "class=1", "--method", "ft", "--out", u.toString(),
                "--precision", "half");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--precision=half: expected fp32, tf32 or bf16"), r.err());
        assertFalse(Files.exists(u));
    }

    /** The bytes of every weights file under the run's checkpoint folder, in path order. */
    private static byte[] weights(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run.resolve("checkpoint"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
            assertFalse(files.isEmpty(), "no .safetensors under " + run.resolve("checkpoint"));
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (Path f : files) all.write(Files.readAllBytes(f));
            return all.toByteArray();
        }
    }

    @Test void aBf16RunTrainsOnOtherArithmetic() throws IOException {
        Path fp32 = dir.resolve("fp32"), bf16 = dir.resolve("bf16");
        Cli.Result a = Cli.run(RunFolderSafetyTest.train(fp32, "--precision", "fp32"));
        assertEquals(0, a.code(), a.err());
        Cli.Result b = Cli.run(RunFolderSafetyTest.train(bf16, "--precision", "bf16"));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("test accuracy"), b.out());
        assertFalse(Arrays.equals(weights(fp32), weights(bf16)), "bf16 and fp32 runs with one seed trained the same weights");

        // the unlearning run records the arithmetic it ran in
        for (String p : List.of("bf16", "")) {
            Path u = dir.resolve("unlearned-" + (p.isEmpty() ? "default" : p));
            List<String> args = new java.util.ArrayList<>(List.of("unlearn", "--model", bf16.toString(), "--forget", "class=1",
                    "--method", "ft", "-o", "epochs=1", "--out", u.toString()));
            if (!p.isEmpty()) args.addAll(List.of("--precision", p));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.out() + r.err());
            var json = new ObjectMapper().readTree(u.resolve("unlearn.json").toFile());
            String expected = p.isEmpty() ? Precision.defaultPrecision().cliName() : p;
            assertEquals(expected, json.path("precision").asText(), u.resolve("unlearn.json").toString());
        }
    }

    @Test void infoShowsTheDefault() throws Exception {
        Cli.Result r = Cli.run("info");
        assertEquals(0, r.code(), r.err());
        String expected = Precision.describeDefault();
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("precision: " + expected + " for conv/GEMM")), r.out());
        Cli.Result j = Cli.run("info", "--json");
        @SuppressWarnings("unchecked")
        var root = (Map<String, Object>) new ObjectMapper().readValue(j.out(), LinkedHashMap.class);
        assertEquals(expected, root.get("precision"));
        if (System.getProperty(Precision.PROPERTY) == null && System.getenv(Precision.ENV) == null)
            assertEquals("fp32 (built-in)", expected);
    }
}
