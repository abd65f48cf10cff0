// Checkpoints: save/readInfo/loadModel/loadOptimizer round trip on every device, with SGD (momentum) and AdamW
// continuing bit for bit after a reload; a save interrupted at any step (a failing optimizer export, or a failure
// injected between the steps) leaves the previous checkpoint intact and no temporary folder; overwriting replaces
// both files; folders holding other files are never replaced; a plain .safetensors file loads as weights only;
// what a process killed at any step of a save leaves (a copy of the folder taken there) is repaired by recover().
package ai.lethe.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.nn.F;
import ai.lethe.nn.Module;
import ai.lethe.optim.AdamW;
import ai.lethe.optim.Optimizer;
import ai.lethe.optim.SGD;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.testing.TestBackends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointTest {
    @TempDir Path dir;

    static final String CONFIG = "{\"arch\":\"tiny\",\"classes\":6,\"widths\":[4]}";

    static Optimizer<?> sgd(Module m) { return SGD.builder(m.parameters()).lr(0.05).momentum(0.9).weightDecay(5e-4).build(); }

    static Optimizer<?> adamw(Module m) { return AdamW.builder(m.parameters()).lr(0.01).betas(0.8, 0.99).weightDecay(0.05).build(); }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : TestBackends.devices()) {
            out.add(Arguments.of(d, "SGD", (Function<Module, Optimizer<?>>) CheckpointTest::sgd));
            out.add(Arguments.of(d, "AdamW", (Function<Module, Optimizer<?>>) CheckpointTest::adamw));
        }
        return out;
    }

    /** One training step on a fixed batch of {@code seed}. */
    static void step(Module m, Optimizer<?> opt, Device d, long seed) {
        Generator g = new Generator(seed);
        try (Scope _ = Scope.open()) {
            Tensor x = Tensor.randn(Shape.of(8, 3, 5, 5), g, d);
            Tensor y = Tensor.fromLongs(new long[] {0, 1, 2, 3, 4, 5, 0, 1}, d, 8);
            opt.zeroGrad();
            m.train();
            F.crossEntropy(m.forward(x), y).backward();
            opt.step();
        }
    }

    static void assertSameState(Module a, Module b) {
        var ea = TestNets.bits(a);
        var eb = TestNets.bits(b);
        assertEquals(ea.keySet(), eb.keySet());
        for (String k : ea.keySet()) assertArrayEquals(ea.get(k), eb.get(k), k);
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void aReloadedRunContinuesBitForBit(Device d, String name, Function<Module, Optimizer<?>> make) throws IOException {
        Path ckpt = dir.resolve("run").resolve("epoch-3");
        try (Module a = TestNets.net(d); Module b = TestNets.net(d)) {
            Optimizer<?> oa = make.apply(a);
            for (int s = 0; s < 3; s++) step(a, oa, d, 100 + s);
            oa.setLr(oa.lr() * 0.5); // a scheduler's change travels with the state
            Checkpoint.save(ckpt, a, oa, CheckpointInfo.of(CONFIG, "synthetic", 3, 42).withExtra(Map.of("note", "ü")));
            assertTrue(Checkpoint.hasOptimizer(ckpt));

            CheckpointInfo info = Checkpoint.readInfo(ckpt);
            assertEquals(CONFIG, info.modelConfigJson());
            assertEquals("synthetic", info.dataset());
            assertEquals(3, info.epoch());
            assertEquals(42, info.seed());
            assertEquals("dev", info.version(), "running from classes, not a jar");
            assertEquals(Map.of("format", "pt", "note", "ü"), info.extra());

            Optimizer<?> ob = make.apply(b);
            assertTrue(Checkpoint.loadModel(ckpt, b, true).isClean());
            Checkpoint.loadOptimizer(ckpt, ob);
            assertEquals(oa.lr(), ob.lr());
            assertSameState(a, b);
            for (int s = 3; s < 5; s++) {
                step(a, oa, d, 100 + s);
                step(b, ob, d, 100 + s);
                assertSameState(a, b);
            }
            try (Scope _ = Scope.open(); var sa = oa.state(); var sb = ob.state()) {
                assertEquals(sa.scalars(), sb.scalars());
                for (var e : sa.tensors().entrySet())
                    IoTestSupport.assertBitsEqual(e.getValue().toFloatArray(), sb.tensors().get(e.getKey()).toFloatArray(), e.getKey());
            }
            oa.close();
            ob.close();
        }
        assertEquals(List.of("epoch-3"), SafetensorsRoundTripTest.listing(ckpt.getParent()));
        assertEquals(List.of(Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE), SafetensorsRoundTripTest.listing(ckpt));
    }

    @Test void theOptimizerFileIsPlainSafetensorsWithPyTorchNames() throws IOException {
        Path ckpt = dir.resolve("c");
        try (Module m = TestNets.net(Device.REF)) {
            Optimizer<?> opt = adamw(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(null, null, 1, 7));
            try (SafetensorsFile f = Safetensors.open(ckpt.resolve(Checkpoint.OPTIMIZER_FILE))) {
                assertEquals("state.0.exp_avg", f.names().getFirst());
                assertTrue(f.names().contains("state.5.exp_avg_sq"));
                assertEquals("AdamW", f.metadata().get(OptimizerFiles.NAME_KEY));
                String scalars = f.metadata().get(OptimizerFiles.SCALARS_KEY);
                assertTrue(scalars.contains("\"state.0.step\":1.0") && scalars.contains("\"param_groups.0.lr\":0.01"), scalars);
            }
            CheckpointInfo info = Checkpoint.readInfo(ckpt);
            assertEquals(null, info.modelConfigJson());
            assertEquals(null, info.dataset());
        }
    }

    /** The bytes of every file of a checkpoint folder, by name. */
    static Map<String, byte[]> snapshot(Path ckpt) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String n : SafetensorsRoundTripTest.listing(ckpt)) out.put(n, Files.readAllBytes(ckpt.resolve(n)));
        return out;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Path ckpt) throws IOException {
        Map<String, byte[]> now = snapshot(ckpt);
        assertEquals(expected.keySet(), now.keySet());
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), now.get(k), k);
    }

    @Test void aSaveFailingInTheOptimizerExportLeavesThePreviousCheckpoint() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF)) {
            Optimizer<?> opt = sgd(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 1, 1));
            Map<String, byte[]> before = snapshot(ckpt);
            step(m, opt, Device.REF, 2);
            opt.close(); // its state export now throws, after the model file was written
            var e = assertThrows(IllegalStateException.class, () -> Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1)));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertSameFiles(before, ckpt);
            assertEquals(List.of("ckpt"), SafetensorsRoundTripTest.listing(dir), "no temporary folder left behind");
            assertEquals(1, Checkpoint.readInfo(ckpt).epoch());
        }
    }

    @ParameterizedTest(name = "failure at {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"model-written", "before-move", "files-written", "old-moved-aside"})
    void aSaveInterruptedAtAnyStepLeavesThePreviousCheckpoint(String point) throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF)) {
            Optimizer<?> opt = sgd(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 1, 1));
            Map<String, byte[]> before = snapshot(ckpt);
            step(m, opt, Device.REF, 2);
            List<String> seen = new ArrayList<>();
            var e = assertThrows(IOException.class, () -> Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1), p -> {
                seen.add(p);
                if (p.equals(point)) throw new IOException("simulated crash at " + p);
            }));
            assertEquals("simulated crash at " + point, e.getMessage());
            assertSameFiles(before, ckpt);
            assertEquals(List.of("ckpt"), SafetensorsRoundTripTest.listing(dir), "no temporary folder left behind after " + seen);
            // and a later save still works
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1));
            assertEquals(2, Checkpoint.readInfo(ckpt).epoch());
            assertEquals(List.of("ckpt"), SafetensorsRoundTripTest.listing(dir));
        }
    }

    @Test void overwritingReplacesBothFiles() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF); Module fresh = TestNets.net(Device.REF)) {
            Optimizer<?> opt = sgd(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 1, 1));
            Map<String, byte[]> first = snapshot(ckpt);
            step(m, opt, Device.REF, 2);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1));
            Map<String, byte[]> second = snapshot(ckpt);
            for (String f : List.of(Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE))
                assertFalse(java.util.Arrays.equals(first.get(f), second.get(f)), f + " was replaced");
            Optimizer<?> o2 = sgd(fresh);
            Checkpoint.loadModel(ckpt, fresh, true);
            Checkpoint.loadOptimizer(ckpt, o2);
            assertSameState(m, fresh);
            assertEquals(2, Checkpoint.readInfo(ckpt).epoch());

            // a checkpoint without an optimizer replaces one with: the old optimizer file goes too
            Checkpoint.save(ckpt, m, null, CheckpointInfo.of(CONFIG, "d", 3, 1));
            assertEquals(List.of(Checkpoint.MODEL_FILE), SafetensorsRoundTripTest.listing(ckpt));
            assertFalse(Checkpoint.hasOptimizer(ckpt));
            var e = assertThrows(NoSuchFileException.class, () -> Checkpoint.loadOptimizer(ckpt, o2));
            assertTrue(e.getMessage().contains("holds no optimizer state"), e.getMessage());
            assertEquals(List.of("ckpt"), SafetensorsRoundTripTest.listing(dir));
        }
    }

    @Test void foldersWithOtherFilesAndPlainFilesAreNeverReplaced() throws IOException {
        Path notes = dir.resolve("notes");
        Files.createDirectories(notes);
        Files.writeString(notes.resolve("README.txt"), "mine");
        Path plain = dir.resolve("file.bin");
        Files.writeString(plain, "data");
        try (Module m = TestNets.net(Device.REF)) {
            var e = assertThrows(IOException.class, () -> Checkpoint.save(notes, m, null, CheckpointInfo.of(null, null, 0, 0)));
            assertTrue(e.getMessage().contains("[README.txt]") && e.getMessage().contains("refusing"), e.getMessage());
            assertEquals("mine", Files.readString(notes.resolve("README.txt")));
            var f = assertThrows(IOException.class, () -> Checkpoint.save(plain, m, null, CheckpointInfo.of(null, null, 0, 0)));
            assertTrue(f.getMessage().contains("not a folder"), f.getMessage());
            assertEquals("data", Files.readString(plain));
            assertEquals(List.of("file.bin", "notes"), SafetensorsRoundTripTest.listing(dir));
        }
    }

    @Test void aPlainSafetensorsFileIsAWeightsOnlyCheckpoint() throws IOException {
        Path torch = IoTestSupport.fixture("torch_model.safetensors");
        try (Module m = TestNets.net(Device.REF)) {
            assertTrue(Checkpoint.loadModel(torch, m, true).isClean());
            assertEquals(2, m.stateDict().get("1.num_batches_tracked").item());
            assertFalse(Checkpoint.hasOptimizer(torch));
            var e = assertThrows(SafetensorsException.class, () -> Checkpoint.readInfo(torch));
            assertTrue(e.getMessage().contains("not a Lethe checkpoint") && e.getMessage().contains("lethe.epoch"), e.getMessage());
            var o = assertThrows(NoSuchFileException.class, () -> Checkpoint.loadOptimizer(torch, sgd(m)));
            assertTrue(o.getMessage().contains("weights-only"), o.getMessage());

            Path own = dir.resolve("ckpt");
            Checkpoint.save(own, m, null, CheckpointInfo.of(CONFIG, "d", 4, 9));
            Path single = dir.resolve("weights.safetensors");
            Files.copy(own.resolve(Checkpoint.MODEL_FILE), single);
            assertEquals(4, Checkpoint.readInfo(single).epoch());
        }
    }

    @Test void badArgumentsAndMismatchesAreReportedByName() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF)) {
            var json = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(ckpt, m, null, CheckpointInfo.of("{oops", null, 0, 0)));
            assertTrue(json.getMessage().contains("model config is not valid JSON"), json.getMessage());
            assertThrows(IllegalArgumentException.class, () -> CheckpointInfo.of(null, null, 0, 0).withExtra(Map.of("lethe.epoch", "5")));
            assertFalse(Files.exists(ckpt));

            Optimizer<?> opt = sgd(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(null, null, 1, 0));
            var kind = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadOptimizer(ckpt, adamw(m)));
            assertTrue(kind.getMessage().contains("holds the state of SGD, not of AdamW"), kind.getMessage());

            var missing = assertThrows(NoSuchFileException.class, () -> Checkpoint.readInfo(dir.resolve("absent")));
            assertTrue(missing.getMessage().contains("absent"), missing.getMessage());

            // a crash between the two renames of a save: the message says where the previous checkpoint is
            Path aside = dir.resolve(".ckpt.old-123abc");
            Files.move(ckpt, aside);
            var interrupted = assertThrows(NoSuchFileException.class, () -> Checkpoint.loadModel(ckpt, m, true));
            assertTrue(interrupted.getMessage().contains("previous checkpoint is at " + aside), interrupted.getMessage());
        }
    }

    /** A copy of the folder {@code from} at {@code to}: what a process killed at this moment leaves on disk. */
    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    @TempDir Path killed;

    @ParameterizedTest(name = "killed at {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"model-written", "files-written", "old-moved-aside", "new-moved-in"})
    void recoverRepairsWhatAKillAtAnyStepOfASaveLeaves(String point) throws IOException {
        Path ckpt = dir.resolve("ckpt");
        Path copy = killed.resolve(point), copied = copy.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF)) {
            Optimizer<?> opt = sgd(m);
            step(m, opt, Device.REF, 1);
            Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 1, 1));
            Map<String, byte[]> first = snapshot(ckpt);
            step(m, opt, Device.REF, 2);
            // the kill: the folder as it is at that point of the second save (the test then stops the save)
            assertThrows(IOException.class, () -> Checkpoint.save(ckpt, m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1), p -> {
                if (p.equals(point)) {
                    copyTree(dir, copy);
                    throw new IOException("killed");
                }
            }));
            Checkpoint.save(dir.resolve("second"), m, opt, CheckpointInfo.of(CONFIG, "d", 2, 1));
            Map<String, byte[]> second = snapshot(dir.resolve("second"));
            List<String> left = SafetensorsRoundTripTest.listing(copy);
            assertTrue(left.stream().anyMatch(n -> n.startsWith(".ckpt.")), "the kill left leftovers: " + left);
            if (point.equals("old-moved-aside")) assertFalse(Files.exists(copied), "no ckpt between the two renames");

            List<String> done = Checkpoint.recover(copied);
            assertFalse(done.isEmpty());
            assertEquals(List.of("ckpt"), SafetensorsRoundTripTest.listing(copy), "leftovers cleaned: " + done);
            // the complete old copy until the new one was published, the new one after
            assertSameFiles(point.equals("new-moved-in") ? second : first, copied);
            assertEquals(List.of(), Checkpoint.recover(copied), "nothing left to do");
        }
    }

    @Test void recoverRefusesToChooseBetweenSeveralOldCopies() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        try (Module m = TestNets.net(Device.REF)) {
            Checkpoint.save(ckpt, m, null, CheckpointInfo.of(CONFIG, "d", 1, 1));
            Checkpoint.save(dir.resolve("other"), m, null, CheckpointInfo.of(CONFIG, "d", 2, 1));
            Files.move(ckpt, dir.resolve(".ckpt.old-aaaaaa"));
            Files.move(dir.resolve("other"), dir.resolve(".ckpt.old-bbbbbb"));
            var e = assertThrows(IOException.class, () -> Checkpoint.recover(ckpt));
            assertTrue(e.getMessage().contains(".ckpt.old-aaaaaa") && e.getMessage().contains(".ckpt.old-bbbbbb")
                    && e.getMessage().contains("rename the one to keep"), e.getMessage());
            assertEquals(List.of(".ckpt.old-aaaaaa", ".ckpt.old-bbbbbb"), SafetensorsRoundTripTest.listing(dir), "nothing changed");
        }
    }
}
