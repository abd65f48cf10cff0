// Backend.linearBias on cuda-emu (issue 15: the bias of a linear layer in the GEMM's epilogue), against the unfused
// composition on the same device and against the ref backend, at FP32, TF32 and BF16, over shapes that leave tails in
// every tile (M, N, K not multiples of 4, 16 or 64), N = 1, K = 1, M = 1, and operands the GEMM reads transposed (x a
// transposed view, w row-major as a linear layer's weight is):
//   - the fused op equals matmul then a broadcast add on the same backend BIT FOR BIT (the emulator's epilogue is the
//     same cblas_sgemm call on the same rounded operands, then fl(product + bias), what the add kernel computes);
//   - against ref at the same precision (double accumulation of the same rounded operands, then the float add), per
//     element |y − yref| <= g·(1 + u)²·S + 2^-23·(|yref| + |bias|), S = Σ|x|·|w| over the row's K products, g =
//     K·2^-24 / (1 − K·2^-24) (PrecisionToleranceTest's oracle bound, plus the one rounding of the bias add);
//   - it is one GEMM call and no kernel launch (FP32, TF32; under BF16 the two operand conversions, as matmul's), one
//     launch fewer than the composition; with lethe.cuda.gemm-epilogue=off it is the composition's count again;
//   - bytes moved (EmulatorBytes, the kernels' device-memory traffic): the fused op's kernels move nothing, the
//     composition's bias kernel reads C and bias and writes C — at least 2·M·N·4 bytes more (the GEMM's own traffic,
//     the same in both, is not a kernel's and is not counted by the emulator).
// At the runtime: a captured sgemmBias is one graph node (GraphRecording.GemmBias, no kernel), replayed and updated
// like the eager call (a new shape is not an update); DeviceRuntime's default composition (sgemm, then
// bias_add_rows_f32) is right on its own, with ldc > n leaving the padding untouched. And the SPI checks: shapes,
// dtypes, contiguity of out and aliasing, each message naming linearBias and the argument.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.Precision;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LinearBiasEpilogueTest {
    /** M, K, N. */
    static final int[][] SHAPES = {{37, 19, 23}, {1, 1, 1}, {64, 1, 5}, {13, 7, 1}, {129, 70, 48}, {5, 64, 65}};

    static void withBackend(Consumer<CudaBackend> body) {
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            CudaBackend b = new CudaBackend("cuda-linear-bias-test", -1, rt);
            assertTrue(b.availability().available(), b.availability().reason());
            body.accept(b);
        }
    }

    private record Operands(float[] x, float[] w, float[] bias, boolean xTransposed) {}

    private static float[] normal(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** x [M, K] (stored [K, M] and seen transposed when asked), w [N, K], bias [N], out [M, N] on b. */
    private static View[] put(Backend b, List<Storage> keep, int m, int k, int n, Operands o) {
        Storage xs = b.allocate(4L * m * k), ws = b.allocate(4L * n * k), bs = b.allocate(4L * n), os = b.allocate(4L * m * n);
        keep.addAll(List.of(xs, ws, bs, os));
        b.write(MemorySegment.ofArray(o.x), new View(xs, DType.FLOAT32, 0, new long[] {(long) m * k}, new long[] {1}));
        b.write(MemorySegment.ofArray(o.w), new View(ws, DType.FLOAT32, 0, new long[] {(long) n * k}, new long[] {1}));
        b.write(MemorySegment.ofArray(o.bias), new View(bs, DType.FLOAT32, 0, new long[] {n}, new long[] {1}));
        View x = o.xTransposed ? new View(xs, DType.FLOAT32, 0, new long[] {m, k}, new long[] {1, m})
                : new View(xs, DType.FLOAT32, 0, new long[] {m, k}, new long[] {k, 1});
        return new View[] {x, new View(ws, DType.FLOAT32, 0, new long[] {n, k}, new long[] {k, 1}),
                new View(bs, DType.FLOAT32, 0, new long[] {n}, new long[] {1}),
                new View(os, DType.FLOAT32, 0, new long[] {m, n}, new long[] {n, 1})};
    }

    private static float[] get(Backend b, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        b.read(v, MemorySegment.ofArray(out));
        return out;
    }

    /** matmul then a broadcast add: what F.linear ran before the epilogue. */
    private static void composed(Backend b, View x, View w, View bias, View out) {
        View wt = new View(w.storage(), w.dtype(), w.offset(), new long[] {w.dim(1), w.dim(0)}, new long[] {w.stride(1), w.stride(0)});
        b.matmul(x, wt, out, 1, 0);
        b.binary(BinaryOp.ADD, out, new View(bias.storage(), bias.dtype(), bias.offset(), out.shape().clone(), new long[] {0, 1}),
                out, 1, 0);
    }

    private static double unitRoundoff(Precision p) {
        return switch (p) {
            case FP32 -> 0;
            case TF32 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    @Test void theEpilogueEqualsTheCompositionBitForBitAndRefWithinTheGemmBound() {
        Backend ref = Backends.byName("ref");
        Random r = new Random(17);
        withBackend(b -> {
            for (Precision p : Precision.values())
                for (int[] s : SHAPES)
                    for (boolean transposed : new boolean[] {false, true}) {
                        int m = s[0], k = s[1], n = s[2];
                        Operands o = new Operands(normal(r, m * k), normal(r, n * k), normal(r, n), transposed);
                        String what = p + " M=" + m + " K=" + k + " N=" + n + (transposed ? " (x transposed)" : "");
                        List<Storage> keep = new ArrayList<>();
                        float[] fused, unfused, expected;
                        long fusedLaunches, composedLaunches;
                        try (Precision.Scope _ = Precision.autocast(p)) {
                            View[] v = put(b, keep, m, k, n, o);
                            DeviceCounters before = b.counters();
                            b.linearBias(v[0], v[1], v[2], v[3]);
                            DeviceCounters d = b.counters().minus(before);
                            assertEquals(1, d.gemmCalls(), what + ": one GEMM: " + d);
                            fusedLaunches = d.launches();
                            fused = get(b, v[3]);
                            View[] u = put(b, keep, m, k, n, o);
                            before = b.counters();
                            composed(b, u[0], u[1], u[2], u[3]);
                            composedLaunches = b.counters().minus(before).launches();
                            unfused = get(b, u[3]);
                            View[] e = put(ref, keep, m, k, n, o);
                            ref.linearBias(e[0], e[1], e[2], e[3]);
                            expected = get(ref, e[3]);
                        } finally {
                            for (Storage st : keep) st.release();
                        }
                        assertEquals(p == Precision.BF16 ? 2 : 0, fusedLaunches, what + ": kernel launches of the fused op");
                        assertEquals(composedLaunches - 1, fusedLaunches, what + ": one launch fewer than matmul + add");
                        for (int i = 0; i < fused.length; i++)
                            assertEquals(Float.floatToRawIntBits(unfused[i]), Float.floatToRawIntBits(fused[i]),
                                    what + ": element " + i + " fused " + fused[i] + " vs composed " + unfused[i]);
                        double u = unitRoundoff(p), g = k * 0x1p-24 / (1 - k * 0x1p-24);
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                double sum = 0;
                                for (int q = 0; q < k; q++) {
                                    float xv = transposed ? o.x[q * m + i] : o.x[i * k + q];
                                    sum += Math.abs((double) xv * o.w[j * k + q]);
                                }
                                double y = expected[i * n + j], bound = g * (1 + u) * (1 + u) * sum
                                        + 0x1p-23 * (Math.abs(y) + Math.abs(o.bias[j])) + Float.MIN_NORMAL;
                                double err = Math.abs(fused[i * n + j] - y);
                                assertTrue(err <= bound, what + ": [" + i + ", " + j + "] " + fused[i * n + j] + " vs ref " + y
                                        + ": " + err + " > " + bound);
                            }
                    }
        });
    }

    @Test void withTheSwitchOffTheRuntimeRunsSgemmThenTheBiasKernelAndMovesMoreBytes() {
        int m = 96, k = 24, n = 40;
        withBackend(b -> {
            EmulatedRuntime emu = (EmulatedRuntime) CountingRuntime.unwrap(b.context().runtime());
            Random r = new Random(3);
            Operands o = new Operands(normal(r, m * k), normal(r, n * k), normal(r, n), false);
            List<Storage> keep = new ArrayList<>();
            String before = System.getProperty(GemmEpilogue.PROPERTY);
            try {
                assertTrue(emu.gemmBiasFused());
                assertTrue(GemmEpilogue.describe(b.context().runtime()).startsWith("the emulator's GEMM adds the bias"));
                View[] v = put(b, keep, m, k, n, o);
                DeviceCounters fused;
                try (EmulatorBytes.On _ = emu.bytes().on()) {
                    DeviceCounters c0 = b.counters();
                    b.linearBias(v[0], v[1], v[2], v[3]);
                    fused = b.counters().minus(c0);
                }
                float[] epilogue = get(b, v[3]);
                System.setProperty(GemmEpilogue.PROPERTY, "off");
                assertEquals(false, b.context().runtime().gemmBiasFused());
                assertEquals("sgemm, then the bias_add_rows_f32 kernel (lethe.cuda.gemm-epilogue=off)",
                        GemmEpilogue.describe(b.context().runtime()));
                View[] u = put(b, keep, m, k, n, o);
                DeviceCounters off;
                try (EmulatorBytes.On _ = emu.bytes().on()) {
                    DeviceCounters c0 = b.counters();
                    b.linearBias(u[0], u[1], u[2], u[3]);
                    off = b.counters().minus(c0);
                }
                float[] kernel = get(b, u[3]);
                for (int i = 0; i < epilogue.length; i++)
                    assertEquals(Float.floatToRawIntBits(kernel[i]), Float.floatToRawIntBits(epilogue[i]), "element " + i);
                assertEquals(1, fused.gemmCalls(), fused.toString());
                assertEquals(0, fused.launches(), fused.toString());
                assertEquals(0, fused.bytesRead() + fused.bytesWritten(), "the epilogue moves no kernel bytes: " + fused);
                assertEquals(1, off.gemmCalls(), off.toString());
                assertEquals(1, off.launches(), "sgemm, then the bias kernel: " + off);
                long c = 4L * m * n;
                assertTrue(off.bytesRead() >= c + 4L * n && off.bytesWritten() >= c,
                        "the bias kernel reads C and the bias and writes C again: " + off);
                assertTrue(off.bytesRead() + off.bytesWritten() - (fused.bytesRead() + fused.bytesWritten()) >= 2 * c,
                        "the epilogue saves at least one read and one write of C: " + fused + " vs " + off);
            } finally {
                if (before == null) System.clearProperty(GemmEpilogue.PROPERTY);
                else System.setProperty(GemmEpilogue.PROPERTY, before);
                for (Storage st : keep) st.release();
            }
        });
    }

    /** Row-major C[m, n] = A[m, k] · B[k, n] + bias, in double, rounded once: within float32's GEMM bound of the device's. */
    private static float[] host(float[] a, float[] b, float[] bias, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += (double) a[i * k + q] * b[q * n + j];
                c[i * n + j] = (float) (s + bias[j]);
            }
        return c;
    }

    @Test void aCapturedSgemmBiasIsOneGraphNodeReplayedAndUpdatedLikeTheEagerCall() {
        int m = 7, k = 9, n = 5;
        Random r = new Random(12);
        float[] a = normal(r, m * k), b = normal(r, k * n), bias = normal(r, n), a2 = normal(r, m * k);
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            long pa = EmulatorSupport.upload(rt, a), pb = EmulatorSupport.upload(rt, b), pbias = EmulatorSupport.upload(rt, bias);
            long pa2 = EmulatorSupport.upload(rt, a2), pc = rt.alloc(4L * m * n);
            java.util.function.LongUnaryOperator noWorkspace = bytes -> { throw new AssertionError("the emulator asked for a workspace"); };
            Stream s = rt.createStream();
            long launches = rt.launches();
            rt.beginCapture(s);
            assertTrue(rt.sgemmBias(false, false, m, n, k, pa, k, pb, n, pbias, pc, n, s, Precision.FP32, noWorkspace));
            Graph g = rt.endCapture(s);
            assertEquals(1, rt.recording(g).size(), "one node");
            assertTrue(rt.recording(g).ops().get(0) instanceof GraphRecording.GemmBias, rt.recording(g).ops().toString());
            assertEquals(0, rt.recording(g).launches(), "no kernel in the graph");
            GraphExec e = rt.instantiate(g);
            rt.destroyGraph(g);
            rt.launchGraph(e, s);
            rt.synchronize(s);
            assertEquals(launches, rt.launches(), "no kernel ran");
            float[] expected = host(a, b, bias, m, k, n), got = EmulatorSupport.download(rt, pc, m * n);
            for (int i = 0; i < got.length; i++)
                assertTrue(Math.abs(got[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])), i + ": " + got[i] + " vs " + expected[i]);
            rt.beginCapture(s);   // the same shape on other operands: an update in place
            rt.sgemmBias(false, false, m, n, k, pa2, k, pb, n, pbias, pc, n, s, Precision.FP32, noWorkspace);
            Graph g2 = rt.endCapture(s);
            assertTrue(rt.update(e, g2));
            rt.destroyGraph(g2);
            rt.launchGraph(e, s);
            rt.synchronize(s);
            expected = host(a2, b, bias, m, k, n);
            got = EmulatorSupport.download(rt, pc, m * n);
            for (int i = 0; i < got.length; i++)
                assertTrue(Math.abs(got[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])), "updated " + i + ": " + got[i]);
            rt.beginCapture(s);   // another shape: not an update
            rt.sgemmBias(false, false, m - 1, n, k, pa, k, pb, n, pbias, pc, n, s, Precision.FP32, noWorkspace);
            Graph g3 = rt.endCapture(s);
            assertEquals(false, rt.update(e, g3));
            rt.destroyGraph(g3);
            rt.destroyGraphExec(e);
            rt.destroyStream(s);
        }
    }

    @Test void theInterfacesCompositionIsCorrectOnItsOwn() {
        // DeviceRuntime's default sgemmBias (sgemm, then bias_add_rows_f32) with a leading dimension wider than n: the
        // kernel adds the bias to the first n columns of each row and leaves the padding alone
        int m = 6, k = 4, n = 3, ldc = 5;
        Random r = new Random(2);
        float[] a = normal(r, m * k), b = normal(r, k * n), bias = normal(r, n);
        try (EmulatedRuntime rt = EmulatorSupport.open()) {
            DeviceRuntime plain = new DeviceRuntime() {   // only what the default composition calls, forwarded
                @Override public String description() { return "composition"; }
                @Override public long alloc(long bytes) { return rt.alloc(bytes); }
                @Override public void free(long p) { rt.free(p); }
                @Override public void copyHostToDevice(long d, MemorySegment src, long bytes, Stream st) { rt.copyHostToDevice(d, src, bytes, st); }
                @Override public void copyDeviceToHost(MemorySegment d, long src, long bytes, Stream st) { rt.copyDeviceToHost(d, src, bytes, st); }
                @Override public void copyDeviceToDevice(long d, long src, long bytes, Stream st) { rt.copyDeviceToDevice(d, src, bytes, st); }
                @Override public void memset8(long d, int v, long c, Stream st) { rt.memset8(d, v, c, st); }
                @Override public void memset32(long d, int v, long c, Stream st) { rt.memset32(d, v, c, st); }
                @Override public void setMaxDynamicSharedMemory(String kernel, int bytes) { rt.setMaxDynamicSharedMemory(kernel, bytes); }
                @Override public void launch(String kernel, Dim3 grid, Dim3 block, int shared, Stream st, KernelArgs args) {
                    rt.launch(kernel, grid, block, shared, st, args);
                }
                @Override public void sgemm(boolean ta, boolean tb, int m2, int n2, int k2, float alpha, long pa, int lda, long pb,
                                            int ldb, float beta, long pc, int ldc2, Stream st, Precision p) {
                    rt.sgemm(ta, tb, m2, n2, k2, alpha, pa, lda, pb, ldb, beta, pc, ldc2, st, p);
                }
                @Override public void sgemmStridedBatched(boolean ta, boolean tb, int m2, int n2, int k2, float alpha, long pa, int lda,
                                                          long sa, long pb, int ldb, long sb, float beta, long pc, int ldc2, long sc,
                                                          int batch, Stream st, Precision p) {
                    throw new AssertionError("not used");
                }
                @Override public Stream createStream() { return rt.createStream(); }
                @Override public void destroyStream(Stream st) { rt.destroyStream(st); }
                @Override public void synchronize(Stream st) { rt.synchronize(st); }
                @Override public Event createEvent() { return rt.createEvent(); }
                @Override public void destroyEvent(Event ev) { rt.destroyEvent(ev); }
                @Override public void record(Event ev, Stream st) { rt.record(ev, st); }
                @Override public void synchronize(Event ev) { rt.synchronize(ev); }
                @Override public float elapsedMillis(Event s0, Event s1) { return rt.elapsedMillis(s0, s1); }
                @Override public void waitEvent(Stream st, Event ev) { rt.waitEvent(st, ev); }
                @Override public void beginCapture(Stream st) { rt.beginCapture(st); }
                @Override public Graph endCapture(Stream st) { return rt.endCapture(st); }
                @Override public boolean capturing(Stream st) { return rt.capturing(st); }
                @Override public GraphExec instantiate(Graph gr) { return rt.instantiate(gr); }
                @Override public boolean update(GraphExec ex, Graph gr) { return rt.update(ex, gr); }
                @Override public void launchGraph(GraphExec ex, Stream st) { rt.launchGraph(ex, st); }
                @Override public void destroyGraph(Graph gr) { rt.destroyGraph(gr); }
                @Override public void destroyGraphExec(GraphExec ex) { rt.destroyGraphExec(ex); }
                @Override public long allocDuringCapture(long bytes) { return rt.allocDuringCapture(bytes); }
                @Override public MemoryCounters memory() { return rt.memory(); }
                @Override public long launches() { return rt.launches(); }
                @Override public void close() {}
            };
            long pa = EmulatorSupport.upload(rt, a), pb = EmulatorSupport.upload(rt, b), pbias = EmulatorSupport.upload(rt, bias);
            float[] padded = new float[m * ldc];
            java.util.Arrays.fill(padded, 42f);
            long pc = EmulatorSupport.upload(rt, padded);
            long launches = rt.launches();
            assertEquals(false, plain.sgemmBias(false, false, m, n, k, pa, k, pb, n, pbias, pc, ldc, Stream.DEFAULT, Precision.FP32,
                    bytes -> { throw new AssertionError("no workspace"); }), "a bias kernel ran");
            assertEquals(launches + 1, rt.launches(), "one launch: " + GemmEpilogue.BIAS_KERNEL);
            float[] expected = host(a, b, bias, m, k, n), got = EmulatorSupport.download(rt, pc, m * ldc);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < ldc; j++) {
                    float v = got[i * ldc + j];
                    if (j >= n) assertEquals(42f, v, "padding [" + i + ", " + j + "] untouched");
                    else assertTrue(Math.abs(v - expected[i * n + j]) <= 1e-5 * (1 + Math.abs(expected[i * n + j])),
                            "[" + i + ", " + j + "] " + v + " vs " + expected[i * n + j]);
                }
        }
    }

    @Test void badArgumentsNameTheOpAndTheArgument() {
        Backend ref = Backends.byName("ref");
        List<Storage> keep = new ArrayList<>();
        try {
            Random r = new Random(1);
            View[] v = put(ref, keep, 4, 3, 2, new Operands(normal(r, 12), normal(r, 6), normal(r, 2), false));
            View x = v[0], w = v[1], bias = v[2], out = v[3];
            View wrongBias = new View(w.storage(), DType.FLOAT32, 0, new long[] {3}, new long[] {1});
            View wideOut = new View(out.storage(), DType.FLOAT32, 0, new long[] {2, 4}, new long[] {4, 1});
            View stridedOut = new View(keepAlloc(ref, keep, 64), DType.FLOAT32, 0, new long[] {4, 2}, new long[] {1, 4});
            View shortW = new View(w.storage(), DType.FLOAT32, 0, new long[] {2, 2}, new long[] {3, 1});
            View outOverX = new View(x.storage(), DType.FLOAT32, 0, new long[] {4, 2}, new long[] {2, 1});
            View int64Bias = new View(keepAlloc(ref, keep, 16), DType.INT64, 0, new long[] {2}, new long[] {1});
            String[][] cases = {
                    {"bias", message(() -> ref.linearBias(x, w, wrongBias, out))},
                    {"out", message(() -> ref.linearBias(x, w, bias, wideOut))},
                    {"out", message(() -> ref.linearBias(x, w, bias, stridedOut))},
                    {"w", message(() -> ref.linearBias(x, shortW, bias, out))},
                    {"out", message(() -> ref.linearBias(x, w, bias, outOverX))},
                    {"bias", message(() -> ref.linearBias(x, w, int64Bias, out))}};
            for (String[] c : cases)
                assertTrue(c[1].startsWith("linearBias: ") && c[1].contains(c[0]), "names linearBias and " + c[0] + ": " + c[1]);
        } finally {
            for (Storage st : keep) st.release();
        }
    }

    private static Storage keepAlloc(Backend b, List<Storage> keep, long bytes) {
        Storage s = b.allocate(bytes);
        keep.add(s);
        return s;
    }

    private static String message(Runnable r) { return assertThrows(IllegalArgumentException.class, r::run).getMessage(); }
}
