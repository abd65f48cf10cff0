// Data parallelism in one process, against the single-process gradient of the global batch: (1) the global batch's
// gradient is the average of its two halves' (the identity the all-reduce relies on); (2) two ranks (threads of a
// LocalGroup, real collectives) each backward through DataParallel on their half, with buckets small enough to make
// several, and end with the global batch's gradient, bit-identical on both ranks — an MLP, and a width-4 ResNet whose
// batch norms are synchronised (SyncBatchNorm2d: also the same logits and running statistics as one BatchNorm2d over
// the whole batch; with per-rank statistics the gradient differs, so the test sees a missing synchronisation);
// (3) bucket reductions start during backward, while earlier layers' gradients are still missing.
package ai.lethe.train.parallel;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.core.Shape;
import ai.lethe.distributed.Communicator;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.nn.F;
import ai.lethe.nn.Flatten;
import ai.lethe.nn.Linear;
import ai.lethe.nn.Module;
import ai.lethe.nn.ReLU;
import ai.lethe.nn.Sequential;
import ai.lethe.nn.SyncBatchNorm2d;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

class DataParallelTest {
    static final int BATCH = 16;

    static Module mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Flatten(), new Linear(1 * 8 * 8, 32, true, g), new ReLU(), new Linear(32, 24, true, g),
                new ReLU(), new Linear(24, 5, true, g));
    }

    static Module resnet(long seed) {
        return Models.create(new ResNetConfig(1, 5, 4, ResNetConfig.Stem.CIFAR, List.of(1, 1, 1, 1)), new Generator(seed));
    }

    static Tensor images() { return Tensor.randn(Shape.of(BATCH, 1, 8, 8), new Generator(99)); }

    static Tensor labels() {
        long[] l = new long[BATCH];
        for (int i = 0; i < BATCH; i++) l[i] = (i * 7L) % 5;
        return Tensor.fromLongs(l);
    }

    /** name -> gradient values of the single-process step on the whole batch (and, for BN, its running stats). */
    static Map<String, float[]> singleProcess(LongFunction<Module> make) {
        try (Module m = make.apply(1); Scope _ = Scope.open("single")) {
            m.train();
            F.crossEntropy(m.forward(images()), labels()).backward();
            return state(m);
        }
    }

    static Map<String, float[]> state(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((n, p) -> out.put("grad " + n, p.grad().toFloatArray()));
        m.namedBuffers().forEach((n, b) -> { if (b.dtype() == ai.lethe.core.DType.FLOAT32) out.put("buffer " + n, b.toFloatArray()); });
        return out;
    }

    /** The same step over {@code ranks} thread-ranks, each on its slice; every rank's gradients and buffers. */
    static List<Map<String, float[]>> dataParallel(LongFunction<Module> make, int ranks, boolean syncBn, long bucketBytes) throws Exception {
        LocalGroup group = new LocalGroup(ranks);
        return group.run(comm -> {
            // rank r starts from a different initialisation: broadcastFromLeader must make them agree
            try (Module m = make.apply(1 + comm.rank() * 1000L); Scope _ = Scope.open("rank")) {
                if (syncBn) assertTrue(SyncBatchNorm2d.convert(m, comm) > 0);
                DataParallel dp = DataParallel.of(m, comm, bucketBytes);
                dp.broadcastFromLeader();
                m.train();
                int per = BATCH / ranks;
                Tensor x = images().narrow(0, (long) comm.rank() * per, per), y = labels().narrow(0, (long) comm.rank() * per, per);
                dp.backward(F.crossEntropy(m.forward(x), y), per, BATCH);
                if (!syncBn) dp.syncBuffers();
                return state(m);
            }
        });
    }

    static void assertClose(Map<String, float[]> expected, Map<String, float[]> actual, double tol, String what) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            float[] e = expected.get(k), a = actual.get(k);
            double scale = 0;
            for (float v : e) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < e.length; i++)
                assertEquals(e[i], a[i], tol * (1 + scale), what + ": " + k + "[" + i + "]");
        }
    }

    static void assertIdentical(Map<String, float[]> a, Map<String, float[]> b) {
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), "ranks differ in " + k);
    }

    @Test void theGlobalGradientIsTheAverageOfTheHalves() {
        Map<String, float[]> whole = singleProcess(DataParallelTest::mlp);
        List<Map<String, float[]>> halves = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            try (Module m = mlp(1); Scope _ = Scope.open("half")) {
                F.crossEntropy(m.forward(images().narrow(0, h * 8L, 8)), labels().narrow(0, h * 8L, 8)).backward();
                halves.add(state(m));
            }
        }
        Map<String, float[]> mean = new LinkedHashMap<>();
        for (String k : whole.keySet()) {
            float[] a = halves.get(0).get(k), b = halves.get(1).get(k), out = new float[a.length];
            for (int i = 0; i < a.length; i++) out[i] = (a[i] + b[i]) / 2;
            mean.put(k, out);
        }
        assertClose(whole, mean, 1e-5, "mean of the halves");
    }

    @Test void twoRanksOfAnMlpGetTheGlobalGradient() throws Exception {
        Map<String, float[]> whole = singleProcess(DataParallelTest::mlp);
        List<Map<String, float[]>> ranks = dataParallel(DataParallelTest::mlp, 2, false, 1024);
        assertClose(whole, ranks.get(0), 1e-5, "rank 0");
        assertIdentical(ranks.get(0), ranks.get(1));
    }

    @Test void fourRanksOfAnMlpGetTheGlobalGradient() throws Exception {
        Map<String, float[]> whole = singleProcess(DataParallelTest::mlp);
        List<Map<String, float[]>> ranks = dataParallel(DataParallelTest::mlp, 4, false, GradientBuckets.DEFAULT_BUCKET_BYTES);
        assertClose(whole, ranks.get(0), 1e-5, "rank 0");
        for (int r = 1; r < 4; r++) assertIdentical(ranks.get(0), ranks.get(r));
    }

    @Test void syncBatchNormGivesTheGlobalBatchGradientOfAResNet() throws Exception {
        Map<String, float[]> whole = singleProcess(DataParallelTest::resnet);
        List<Map<String, float[]>> ranks = dataParallel(DataParallelTest::resnet, 2, true, 2048);
        assertClose(whole, ranks.get(0), 1e-4, "rank 0 with SyncBatchNorm");
        assertIdentical(ranks.get(0), ranks.get(1));
    }

    @Test void perRankBatchNormIsNotTheGlobalBatch() throws Exception {
        Map<String, float[]> whole = singleProcess(DataParallelTest::resnet);
        List<Map<String, float[]>> ranks = dataParallel(DataParallelTest::resnet, 2, false, 2048);
        assertThrows(AssertionError.class, () -> assertClose(whole, ranks.get(0), 1e-4, "per-rank batch norm"));
        assertIdentical(ranks.get(0), ranks.get(1));   // still one gradient on every rank (all-reduced)
    }

    @Test void bucketsStartDuringBackward() {
        List<Integer> missingAtStart = new ArrayList<>();
        try (Module m = mlp(1); Scope _ = Scope.open("hooks")) {
            Communicator twoRanks = new Communicator() {   // pretends to be one of two ranks; the sum is left as is
                @Override public int rank() { return 0; }
                @Override public int size() { return 2; }
                @Override public String name() { return "recording"; }
                @Override public void allReduceSum(Tensor t) {}
                @Override public Pending allReduceSumAsync(List<Tensor> tensors) {
                    missingAtStart.add((int) m.parameters().stream().filter(p -> p.grad() == null).count());
                    return Pending.DONE;
                }
                @Override public void broadcast(Tensor t, int root) {}
                @Override public void barrier() {}
                @Override public void close() {}
            };
            DataParallel dp = DataParallel.of(m, twoRanks, 1);   // one parameter per bucket
            assertEquals(6, dp.buckets().buckets().size());
            assertEquals(m.parameters().getLast(), dp.buckets().buckets().getFirst().getFirst(), "the last layer's bias goes first");
            dp.backward(F.crossEntropy(m.forward(images()), labels()), BATCH, BATCH * 2);
        }
        assertEquals(6, missingAtStart.size());
        assertTrue(missingAtStart.getFirst() > 0, "the first bucket started while earlier layers had no gradient yet: " + missingAtStart);
    }

    /**
     * One batch-norm layer on inputs whose channels have large means and small spreads (where float32 statistics lose
     * digits): SyncBatchNorm2d over 2 ranks normalises, and differentiates, as one BatchNorm2d over the whole batch.
     */
    @Test void syncBatchNormMatchesTheKernelOnBadlyScaledChannels() throws Exception {
        Generator g = new Generator(3);
        float[] v = Tensor.randn(Shape.of(BATCH, 3, 14, 14), g).toFloatArray();
        double[] mean = {0, 40, -7}, spread = {1, 1e-2, 3e-4};
        for (int i = 0; i < v.length; i++) { int ch = (i / 196) % 3; v[i] = (float) (mean[ch] + spread[ch] * v[i]); }
        float[] up = Tensor.randn(Shape.of(BATCH, 3, 14, 14), new Generator(4)).toFloatArray();
        java.util.function.BiFunction<Communicator, Integer, Map<String, float[]>> step = (comm, ranks) -> {
            try (var bn = new ai.lethe.nn.BatchNorm2d(3); Scope _ = Scope.open("bn")) {
                if (comm != null) SyncBatchNorm2d.convert(bn, comm);
                int per = BATCH / ranks, r = comm == null ? 0 : comm.rank();
                Tensor x = Tensor.fromArray(v, BATCH, 3, 14, 14).narrow(0, (long) r * per, per).contiguous();
                x.setRequiresGrad(true);
                Tensor y = bn.forward(x);
                Tensor dy = Tensor.fromArray(up, BATCH, 3, 14, 14).narrow(0, (long) r * per, per).contiguous();
                y.backward(dy);
                Map<String, float[]> out = new LinkedHashMap<>(state(bn));
                out.put("y", y.detach().toFloatArray());
                out.put("dx", x.grad().toFloatArray());
                return out;
            }
        };
        Map<String, float[]> whole = step.apply(null, 1);
        List<Map<String, float[]>> halves = new LocalGroup(2).run(c -> step.apply(c, 2));
        for (String k : List.of("y", "dx")) {
            float[] joined = new float[whole.get(k).length];
            System.arraycopy(halves.get(0).get(k), 0, joined, 0, joined.length / 2);
            System.arraycopy(halves.get(1).get(k), 0, joined, joined.length / 2, joined.length / 2);
            halves.get(0).put(k, joined);
            halves.get(1).put(k, joined);
        }
        for (String k : whole.keySet())
            if (k.startsWith("grad ")) {   // the parameters' gradients are per rank here (no DataParallel): add them
                float[] a = halves.get(0).get(k), b = halves.get(1).get(k);
                for (int i = 0; i < a.length; i++) a[i] += b[i];
            }
        double worst = 0;
        for (String k : whole.keySet()) {
            float[] e = whole.get(k), a = halves.get(0).get(k);
            for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]) / (1 + Math.abs(e[i])));
        }
        System.out.println("sync batch norm vs kernel on badly scaled channels: largest relative difference " + worst);
        assertClose(whole, halves.get(0), 1e-5, "SyncBatchNorm2d on badly scaled channels");
    }
}
