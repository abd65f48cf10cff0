// Issue 15's bytes-moved proxy on cuda-emu: with the emulator's byte counting on (EmulatorBytes: every load and store
// of the kernel's instrumented twin), each memory-bound kernel reads and writes at most 1.1x the bytes its inputs and
// outputs require (each input read once, each output written once), on sizes where that minimum is well defined
// (n = 2^18 + 3: float4 groups and a scalar tail; a [rows, cols] with cols % 4 == 0 and another without). The counts
// are exact, so the test also holds each kernel to at least the minimum (an instrumentation that missed an access
// would undercount) and the op's DeviceCounters bytes to the kernels' sum. The ratios are the numbers
// benchmarks/RESULTS.md records (BytesMoved.measure, rendered by benchmarks/gpu/report.py); a change that makes a
// kernel move more fails here.
package ai.lethe.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BytesMovedTest {
    /** The bound issue 15 sets: bytes read + written <= 1.1x the minimum. */
    static final double BOUND = 1.1;

    @Test void everyMemoryBoundKernelMovesAtMostOnePointOneTimesItsMinimum() {
        List<BytesMoved.Result> results = BytesMoved.measure(BytesMoved.TEST_ELEMENTS);
        StringBuilder table = new StringBuilder();
        for (BytesMoved.Result r : results) table.append(r).append('\n');
        System.out.print(table);
        for (BytesMoved.Result r : results) {
            assertTrue(r.launches() >= 1, r.name() + ": its kernel " + r.kernel() + " ran while counting: " + r);
            assertTrue(r.read() >= r.minRead() && r.written() >= r.minWritten(),
                    r.name() + ": counted below the minimum (an access the count missed?): " + r);
            if (r.listed()) assertTrue(r.ratio() <= BOUND, r.name() + ": " + r + "\n" + table);
            assertEquals(r.read() + r.written(), r.opBytes(), r.name() + ": the op's DeviceCounters bytes are its kernels': " + r);
        }
    }

    @Test void countsAreExactWhereTheKernelReadsAndWritesEachElementOnce() {
        // the cases whose kernels access each element exactly once (no per-row or per-column operand): equal, not just
        // bounded — what pins the instrumentation down to the byte; the one-pass layer norms read each row once (their
        // only extra: each block's weight loads and, backward, its partial sums)
        for (BytesMoved.Result r : BytesMoved.measure(BytesMoved.TEST_ELEMENTS))
            if (r.exact()) {
                assertEquals(r.minRead() + r.extraRead(), r.read(), r.name() + " bytes read: " + r);
                assertEquals(r.minWritten() + r.extraWritten(), r.written(), r.name() + " bytes written: " + r);
            }
    }

    @Test void biasGeluEqualsTheRefBackendInEveryThreadLayout() {
        // the kernel restructured for its bias reads: column groups over runs of rows, and the fallback for more column
        // groups than a grid has threads (cuda-emu: 256 blocks of 256), float4 and scalar
        ai.lethe.backend.Backend ref = ai.lethe.backend.Backends.byName("ref"), emu = ai.lethe.backend.Backends.byName("cuda-emu");
        java.util.Random r = new java.util.Random(2);
        for (long[] rc : new long[][] {{37, 20}, {3, 300_000}, {2, 70_001}, {1000, 3}}) {
            int rows = (int) rc[0], cols = (int) rc[1];
            float[] y = new float[rows * cols], b = new float[cols];
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
            float[][] res = new float[4][];
            int k = 0;
            for (ai.lethe.core.Device d : new ai.lethe.core.Device[] {ref.device(), emu.device()})
                try (ai.lethe.tensor.Scope _ = ai.lethe.tensor.Scope.open("biasGelu")) {
                    ai.lethe.tensor.Tensor yt = ai.lethe.tensor.Tensor.fromArray(y, d, rows, cols);
                    ai.lethe.tensor.Tensor bt = ai.lethe.tensor.Tensor.fromArray(b, d, cols);
                    ai.lethe.tensor.Tensor pre = ai.lethe.tensor.Tensor.zeros(ai.lethe.core.Shape.of(rows, cols), d);
                    ai.lethe.tensor.Tensor out = ai.lethe.tensor.Tensor.zeros(ai.lethe.core.Shape.of(rows, cols), d);
                    ai.lethe.backend.Backends.of(d).biasGelu(yt.kernelView(), bt.kernelView(), pre.kernelView(), out.kernelView(),
                            ai.lethe.backend.UnaryOp.GELU_ERF);
                    res[k++] = pre.toFloatArray();
                    res[k++] = out.toFloatArray();
                }
            for (int i = 0; i < y.length; i++) {
                assertEquals(res[0][i], res[2][i], "pre[" + i + "] " + rows + "x" + cols);
                assertEquals(res[1][i], res[3][i], 1e-5 * Math.max(1, Math.abs(res[1][i])), "out[" + i + "] " + rows + "x" + cols);
            }
        }
    }

    @Test void countingIsOffByDefaultAndRestored() {
        EmulatorBytes bytes = BytesMoved.bytes();
        assertTrue(!bytes.counting(), "byte counting is off unless asked for");
        try (EmulatorBytes.On _ = bytes.on()) {
            assertTrue(bytes.counting());
        }
        assertTrue(!bytes.counting(), "on() restores the state before it");
        java.util.Set<String> kernels = new java.util.TreeSet<>();
        KernelResources.fromClassPath(BytesMovedTest.class.getClassLoader())
                .ifPresent(rows -> rows.forEach(k -> kernels.add(k.kernel())));
        assertTrue(!kernels.isEmpty(), "the fatbin's kernel report is on the class path");
        assertEquals(kernels.size(), bytes.countedKernels(), "every production kernel has a byte-counting twin: " + kernels);
        for (String k : kernels) bytes.kernel(k);   // known to the emulator by the same name
    }
}
