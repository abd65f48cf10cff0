// The Fisher/Hessian unlearning methods over several ranks, simulated in one process: the process joins a
// SimulatedRanks communicator (Distributed.join), so SSD (batch-mean and per-sample Fisher), LF-SSD, Fisher
// Forgetting (true Fisher) and Influence Unlearning (WoodFisher and diagonal Hessian) share their passes over Dr
// and Df between 2 and 3 ranks exactly as under mpirun, and rank 0's unlearned model must equal the single-process
// one (relative 1e-5 over all parameters: the Fisher and gradient sums differ only in float summation order, the
// update itself is the same deterministic computation on every rank). Tiny ResNet18 on cpu, Df 12 and Dr 40 samples
// (FisherForgettingRuleTest's task) in batches of 8, so the shares are uneven and end in partial batches. The number
// of all-reduces shows the passes were shared (a method that ignored the ranks would pass the comparison alone).
// SSD's Fisher cache over 2 ranks: only the leader writes the file, and it holds the single-process I_D.
package ai.lethe.unlearn.ssd;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.distributed.Distributed;
import ai.lethe.fisher.FisherMap;
import ai.lethe.fisher.SimulatedRanks;
import ai.lethe.models.ImageModel;
import ai.lethe.tensor.Scope;
import ai.lethe.unlearn.MethodOptions;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import ai.lethe.unlearn.noise.FisherForgettingRuleTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DistributedMethodsTest {
    static final double TOLERANCE = 1e-5;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("ssd", Map.of("alpha", "1.5", "batch-size", "8")),
                Arguments.of("ssd", Map.of("alpha", "1.5", "batch-size", "8", "fisher", "per-sample")),
                Arguments.of("lf-ssd", Map.of("alpha", "1.5", "batch-size", "8")),
                Arguments.of("ff", Map.of("alpha", "1e-6", "batch-size", "8")),
                Arguments.of("iu", Map.of("alpha", "0.5", "batch-size", "8", "m", "24")),
                Arguments.of("iu", Map.of("alpha", "0.5", "batch-size", "8", "m", "24", "hessian", "diagonal")))
            .flatMap(a -> Stream.of(2, 3).map(n -> Arguments.of(a.get()[0], a.get()[1], n)));
    }

    static ImageModel unlearned(String method, Map<String, String> options) {
        Unlearners.registerBuiltIns();
        ImageModel m = FisherForgettingRuleTest.model();
        UnlearnContext context = FisherForgettingRuleTest.context(4);
        try (Scope _ = Scope.open()) {
            Unlearners.create(method, options).run(m, context);
        }
        return m;
    }

    @ParameterizedTest(name = "{0} {1} over {2} ranks") @MethodSource("cases")
    void ranksTogetherGiveTheSingleProcessModel(String method, Map<String, String> options, int ranks) {
        int[] reductions = {0};
        try (ImageModel original = FisherForgettingRuleTest.model(); ImageModel single = unlearned(method, options);
             ImageModel shared = SimulatedRanks.run(ranks, comm -> {
                 Distributed.join(comm);
                 try {
                     return unlearned(method, options);
                 } finally {
                     Distributed.leave();
                 }
             }, n -> reductions[0] = n)) {
            int tensors = original.namedParameters().size();
            int expected = switch (method) {   // one all-reduce per tensor of each shared pass
                case "ssd", "lf-ssd" -> 2 * tensors;                                           // I_D and I_f
                case "ff" -> tensors;                                                          // the true Fisher on Dr
                default -> options.containsKey("hessian") ? 2 + tensors : 3;                   // g_f, g_r, and the diagonal Fisher or G
            };
            assertEquals(expected, reductions[0], method + ": the all-reduces of the shared passes");
            double diff = 0, norm = 0, change = 0;
            for (String k : single.namedParameters().keySet()) {
                float[] a = single.parameter(k).toFloatArray(), b = shared.parameter(k).toFloatArray(), o = original.parameter(k).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
                    norm += (double) a[i] * a[i];
                    change += (double) (a[i] - o[i]) * (a[i] - o[i]);
                }
            }
            assertTrue(change > 0, method + " changed nothing, the comparison would be empty");
            double rel = Math.sqrt(diff / norm);
            System.out.printf("%s %s over %d ranks: relative difference %.3g (the method moved the weights by %.3g)%n",
                    method, options, ranks, rel, Math.sqrt(change / norm));
            assertTrue(rel <= TOLERANCE, method + " " + options + " over " + ranks + " ranks: relative difference " + rel);
            assertTrue(Math.sqrt(diff) < 1e-3 * Math.sqrt(change), "the difference is small next to what the method did");
            assertEquals(List.copyOf(single.namedParameters().keySet()), List.copyOf(shared.namedParameters().keySet()));
        }
    }

    @Test void onlyTheLeaderWritesTheFisherCache(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("i_d.safetensors");
        Ssd ssd = new Ssd(new MethodOptions("ssd", Map.of("batch-size", "8")));
        UnlearnContext context = FisherForgettingRuleTest.context(4);
        List<String> written = new ArrayList<>();
        try (ImageModel m = FisherForgettingRuleTest.model();
             FisherMap shared = SimulatedRanks.run(2, comm -> {
                 Distributed.join(comm);
                 try {
                     FisherMap f = FisherCache.readOrCompute(file, ssd, m, context, line -> {});
                     written.add("rank " + comm.rank() + ": " + (Files.exists(file) ? "file" : "no file"));
                     return f;
                 } catch (java.io.IOException e) {
                     throw new java.io.UncheckedIOException(e);
                 } finally {
                     Distributed.leave();
                 }
             });
             FisherMap single = Ssd.computeFullFisher(m, context, "batch-mean", 8);
             FisherMap saved = FisherMap.load(file, m)) {
            assertEquals(List.of("rank 1: no file", "rank 0: file"), written);
            for (String k : single.names()) {
                assertArrayEquals(shared.get(k).toFloatArray(), saved.get(k).toFloatArray(), k + ": the file holds what rank 0 computed");
                double[] a = single.get(k).toDoubleArray(), b = saved.get(k).toDoubleArray();
                double diff = 0, norm = 0;
                for (int i = 0; i < a.length; i++) {
                    diff += (a[i] - b[i]) * (a[i] - b[i]);
                    norm += a[i] * a[i];
                }
                assertTrue(Math.sqrt(diff) <= TOLERANCE * Math.sqrt(norm), k + ": the shared I_D is the single-process one");
            }
            assertEquals(single.tags(), saved.tags(), "the provenance of the single-process I_D");
        }
    }
}
