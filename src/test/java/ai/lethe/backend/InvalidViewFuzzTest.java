// Random invalid arguments through every native-reaching entry point: the Backend SPI on every backend this run
// covers (TestBackends), the raw-memory kernels (ai.lethe.kernels.CpuKernels and CpuBackend.rawKernels()), and the
// geometry records the convolution and pooling kernels trust. Each case first runs a valid call built from random
// small shapes (which must succeed, so the generator is known to be right), then breaks exactly one argument — an
// offset past the storage or below 0, a stride that leaves it (or overflows), a negative or overflowing size, a
// storage too small for the view, a shape or rank the op does not accept, a freed storage; for raw memory a
// segment too small, on the heap, misaligned, read-only where written, null, or from a closed arena — and asserts
// the call throws IllegalArgumentException (IllegalStateException for freed or closed memory) whose message names
// the op. A crash of the JVM fails the run (Surefire reports the dead fork; .ci/run also fails on an hs_err file).
// Seeded, so every run draws the same cases; a failure prints the case number, the op and the corruption.
package ai.lethe.backend;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.lethe.backend.cpu.CpuBackend;
import ai.lethe.backend.cpu.CpuRawKernels;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import ai.lethe.kernels.CpuKernels;
import ai.lethe.testing.TestBackends;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InvalidViewFuzzTest {
    private static final long SEED = 0x1E7E_0013L;
    /** Invalid SPI calls per backend (ref and cpu in a normal run: 3,000 together). */
    private static final int SPI_CASES = 1500;
    private static final int RAW_CASES = 800;
    private static final int GEOMETRY_CASES = 3000;

    static List<String> backends() { return TestBackends.available().stream().map(Backend::name).toList(); }

    // ---- the SPI ---------------------------------------------------------------------------------------------

    /** How far an operand's shape is fixed by the op: a changed size (SHAPE) or rank (SHAPE, RANK) is invalid. */
    enum Fix { SHAPE, RANK, FREE }

    /** One view argument: its dtype, the shape a valid call gives it, and how the op constrains that shape. */
    record Operand(String name, DType dtype, long[] shape, Fix fix) {}

    @FunctionalInterface interface Call { void run(Backend b, View[] v); }

    /** A valid call: the op's name as its messages start, its view operands (null: an absent optional) and the call. */
    record OpCase(String op, Operand[] operands, Call call) {}

    enum Corruption {
        OFFSET_PAST_END, OFFSET_HUGE, OFFSET_NEGATIVE, STRIDE_OUTSIDE, STRIDE_OVERFLOW, STRIDE_BELOW_ZERO,
        SIZE_NEGATIVE, SIZE_HUGE, SIZE_PRODUCT_OVERFLOW, STORAGE_TOO_SMALL, SHAPE_MISMATCH, RANK_MISMATCH, FREED
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void randomInvalidViewsThrowAnExceptionNamingTheOp(String backendName) {
        Backend b = Backends.byName(backendName);
        Random rnd = new Random(SEED ^ backendName.hashCode());
        Map<Corruption, Integer> counts = new EnumMap<>(Corruption.class);
        for (int i = 0; i < SPI_CASES; i++) {
            OpCase c = randomCase(rnd);
            try (Memory mem = new Memory(b)) {
                View[] valid = new View[c.operands().length];
                for (int k = 0; k < valid.length; k++) if (c.operands()[k] != null) valid[k] = mem.place(c.operands()[k], rnd);
                String where = backendName + " case " + i + " (" + c.op() + ")";
                assertDoesNotThrow(() -> c.call().run(b, valid), where + ": the valid call failed");

                int k = randomOperand(c, rnd);
                Operand o = c.operands()[k];
                Corruption kind = pickCorruption(o, valid[k], rnd);
                View[] bad = valid.clone();
                bad[k] = corrupt(kind, o, valid[k], mem, rnd);
                counts.merge(kind, 1, Integer::sum);
                String what = where + ": " + o.name() + " " + kind + " -> " + bad[k];
                Class<? extends RuntimeException> expected =
                        kind == Corruption.FREED ? IllegalStateException.class : IllegalArgumentException.class;
                RuntimeException e = assertThrowsExactly(expected, () -> c.call().run(b, bad), what);
                assertTrue(e.getMessage() != null && e.getMessage().startsWith(c.op() + ":"),
                        what + ": the message does not start with the op's name: " + e.getMessage());
            }
        }
        // every kind of corruption was drawn many times
        for (Corruption kind : Corruption.values())
            assertTrue(counts.getOrDefault(kind, 0) >= 20, kind + " drawn only " + counts.get(kind) + " times: " + counts);
    }

    private static int randomOperand(OpCase c, Random rnd) {
        while (true) {
            int k = rnd.nextInt(c.operands().length);
            if (c.operands()[k] != null) return k;
        }
    }

    private static Corruption pickCorruption(Operand o, View v, Random rnd) {
        Corruption[] all = Corruption.values();
        while (true) {
            Corruption kind = all[rnd.nextInt(all.length)];
            boolean ok = switch (kind) {
                case SHAPE_MISMATCH -> o.fix() == Fix.SHAPE && v.rank() > 0;
                case RANK_MISMATCH -> o.fix() != Fix.FREE;
                case STRIDE_OUTSIDE, STRIDE_OVERFLOW, STRIDE_BELOW_ZERO -> widestDim(v) >= 0;
                case SIZE_NEGATIVE, SIZE_HUGE, SIZE_PRODUCT_OVERFLOW -> v.rank() > 0;
                case STORAGE_TOO_SMALL -> v.offset() + v.numel() - 1 >= 1;
                default -> true;
            };
            if (ok) return kind;
        }
    }

    /** A dimension of size >= 2 (its stride moves the view), or -1. */
    private static int widestDim(View v) {
        for (int d = 0; d < v.rank(); d++) if (v.dim(d) >= 2) return d;
        return -1;
    }

    private static View corrupt(Corruption kind, Operand o, View v, Memory mem, Random rnd) {
        long cap = v.storage().byteSize() / v.dtype().byteSize();
        long[] shape = v.shape().clone(), strides = v.strides().clone();
        long offset = v.offset();
        Storage storage = v.storage();
        int d = v.rank() == 0 ? -1 : rnd.nextInt(v.rank());
        switch (kind) {
            case OFFSET_PAST_END -> offset = cap - v.numel() + 1 + rnd.nextLong(cap + 8);
            case OFFSET_HUGE -> offset = Long.MAX_VALUE - rnd.nextLong(16);
            case OFFSET_NEGATIVE -> offset = -1 - rnd.nextLong(100);
            case STRIDE_OUTSIDE -> strides[widestDim(v)] = cap + rnd.nextLong(100);
            case STRIDE_OVERFLOW -> strides[widestDim(v)] = (rnd.nextBoolean() ? 1 : -1) * (Long.MAX_VALUE / (1 + rnd.nextInt(3)));
            case STRIDE_BELOW_ZERO -> strides[widestDim(v)] = -(offset + 1 + rnd.nextLong(10));
            case SIZE_NEGATIVE -> shape[d] = -1 - rnd.nextLong(5);
            case SIZE_HUGE -> {
                shape[d] = (1L << 40) + rnd.nextLong(1000);
                if (strides[d] == 0) strides[d] = 1;
            }
            case SIZE_PRODUCT_OVERFLOW -> {
                if (v.rank() == 1) shape[0] = Long.MAX_VALUE / 2 + rnd.nextLong(1000);
                else {
                    int e = (d + 1) % v.rank();
                    shape[d] = (1L << 32) + rnd.nextLong(100);
                    shape[e] = (1L << 32) + rnd.nextLong(100);
                }
            }
            case STORAGE_TOO_SMALL -> {
                long need = v.offset() + v.numel();   // the valid views are contiguous
                storage = mem.allocate(v.dtype(), 1 + rnd.nextLong(need - 1));
            }
            case SHAPE_MISMATCH -> {
                shape[d] += 5 + rnd.nextInt(4);
                return mem.place(new Operand(o.name(), o.dtype(), shape, o.fix()), rnd);
            }
            case RANK_MISMATCH -> {
                long[] grown = Arrays.copyOf(shape, shape.length + 1);
                grown[shape.length] = 2;
                return mem.place(new Operand(o.name(), o.dtype(), grown, o.fix()), rnd);
            }
            case FREED -> {
                View fresh = mem.place(o, rnd);
                mem.free(fresh.storage());
                return fresh;
            }
        }
        return new View(storage, v.dtype(), offset, shape, strides);
    }

    private static <T extends RuntimeException> T assertThrowsExactly(Class<T> type, Runnable call, String what) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (type.isInstance(e)) return type.cast(e);
            throw new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + e, e);
        }
        return fail(what + ": no exception");
    }

    /** Storages of one case on one backend, zero-filled, released at the end. */
    private static final class Memory implements AutoCloseable {
        private final Backend b;
        private final List<Storage> live = new ArrayList<>();

        Memory(Backend b) { this.b = b; }

        Storage allocate(DType dtype, long elements) {
            Storage s = b.allocate(elements * dtype.byteSize());
            live.add(s);
            try (Arena arena = Arena.ofConfined()) {
                b.write(arena.allocate(elements * dtype.byteSize()), new View(s, dtype, 0, new long[] {elements}, new long[] {1}));
            }
            return s;
        }

        /** A contiguous view of the operand's shape at a random offset of a storage with random slack after it. */
        View place(Operand o, Random rnd) {
            long n = Shape.of(o.shape()).numel();
            long offset = rnd.nextInt(4);
            Storage s = allocate(o.dtype(), offset + n + rnd.nextInt(4));
            return new View(s, o.dtype(), offset, o.shape().clone(), Shape.of(o.shape()).contiguousStrides());
        }

        void free(Storage s) {
            live.remove(s);
            s.release();
        }

        @Override public void close() { for (Storage s : live) s.release(); }
    }

    // ---- random valid calls ------------------------------------------------------------------------------------

    private static final List<Function<Random, OpCase>> OPS = List.of(
            InvalidViewFuzzTest::copy, InvalidViewFuzzTest::fill, InvalidViewFuzzTest::random, InvalidViewFuzzTest::write,
            InvalidViewFuzzTest::read, InvalidViewFuzzTest::unary, InvalidViewFuzzTest::binary, InvalidViewFuzzTest::where,
            InvalidViewFuzzTest::reduce, InvalidViewFuzzTest::argReduce, InvalidViewFuzzTest::matmul,
            InvalidViewFuzzTest::indexSelect, InvalidViewFuzzTest::indexAdd, InvalidViewFuzzTest::gather,
            InvalidViewFuzzTest::scatterAdd, InvalidViewFuzzTest::conv2d, InvalidViewFuzzTest::conv2dBackwardInput,
            InvalidViewFuzzTest::conv2dBackwardWeight, InvalidViewFuzzTest::perSampleSquaredConvWeight,
            InvalidViewFuzzTest::batchNormTrain, InvalidViewFuzzTest::batchNormEval, InvalidViewFuzzTest::batchNormBackward,
            InvalidViewFuzzTest::layerNorm, InvalidViewFuzzTest::layerNormBackward, InvalidViewFuzzTest::softmax,
            InvalidViewFuzzTest::softmaxBackward, InvalidViewFuzzTest::maxPool2d, InvalidViewFuzzTest::maxPool2dBackward,
            InvalidViewFuzzTest::avgPool2d, InvalidViewFuzzTest::avgPool2dBackward, InvalidViewFuzzTest::adaptiveAvgPool2d,
            InvalidViewFuzzTest::adaptiveAvgPool2dBackward, InvalidViewFuzzTest::sgdStep, InvalidViewFuzzTest::adamStep,
            InvalidViewFuzzTest::addSquared, InvalidViewFuzzTest::perSampleSquaredGemm, InvalidViewFuzzTest::ssdDampen,
            InvalidViewFuzzTest::addGaussianNoise, InvalidViewFuzzTest::scoreHistogram, InvalidViewFuzzTest::maskFromScores);

    static OpCase randomCase(Random rnd) { return OPS.get(rnd.nextInt(OPS.size())).apply(rnd); }

    private static final DType F = DType.FLOAT32, L = DType.INT64;

    private static long[] shape(Random rnd, int minRank, int maxRank) {
        long[] s = new long[minRank + rnd.nextInt(maxRank - minRank + 1)];
        for (int d = 0; d < s.length; d++) s[d] = 1 + rnd.nextInt(4);
        return s;
    }

    private static long[] dims(long... d) { return d; }

    private static Operand op(String name, DType t, long[] shape, Fix fix) { return new Operand(name, t, shape, fix); }

    private static Operand f(String name, long[] shape) { return op(name, F, shape, Fix.SHAPE); }

    private static Operand[] ops(Operand... o) { return o; }

    private static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }

    private static OpCase copy(Random rnd) {
        long[] s = shape(rnd, 0, 4);
        return new OpCase("copy", ops(f("src", s), f("dst", s)), (b, v) -> b.copy(v[0], v[1]));
    }

    private static OpCase fill(Random rnd) {
        return new OpCase("fill", ops(op("dst", F, shape(rnd, 0, 4), Fix.FREE)), (b, v) -> b.fill(v[0], 1.5));
    }

    private static OpCase random(Random rnd) {
        RandomKind kind = RandomKind.values()[rnd.nextInt(3)];
        return new OpCase("random", ops(op("dst", F, shape(rnd, 1, 3), Fix.FREE)), (b, v) -> b.random(kind, v[0], 7, 0, 0, 1));
    }

    private static OpCase write(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        long bytes = Shape.of(s).numel() * 4;
        return new OpCase("write", ops(f("dst", s)), (b, v) -> {
            try (Arena arena = Arena.ofConfined()) {
                b.write(arena.allocate(bytes), v[0]);
            }
        });
    }

    private static OpCase read(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        long bytes = Shape.of(s).numel() * 4;
        return new OpCase("read", ops(f("src", s)), (b, v) -> {
            try (Arena arena = Arena.ofConfined()) {
                b.read(v[0], arena.allocate(bytes));
            }
        });
    }

    private static OpCase unary(Random rnd) {
        UnaryOp u = UnaryOp.values()[rnd.nextInt(UnaryOp.values().length)];
        long[] s = shape(rnd, 0, 4);
        return new OpCase(lower(u), ops(f("x", s), f("out", s)), (b, v) -> b.unary(u, v[0], v[1], 1, 2));
    }

    private static OpCase binary(Random rnd) {
        BinaryOp o = BinaryOp.values()[rnd.nextInt(BinaryOp.values().length)];
        long[] s = shape(rnd, 0, 4);
        return new OpCase(lower(o), ops(f("a", s), f("b", s), f("out", s)), (b, v) -> b.binary(o, v[0], v[1], v[2], 1, 2));
    }

    private static OpCase where(Random rnd) {
        long[] s = shape(rnd, 0, 4);
        return new OpCase("where", ops(f("cond", s), f("a", s), f("b", s), f("out", s)), (b, v) -> b.where(v[0], v[1], v[2], v[3]));
    }

    private static OpCase reduce(Random rnd) {
        ReduceOp r = ReduceOp.values()[rnd.nextInt(ReduceOp.values().length)];
        long[] s = shape(rnd, 1, 4), o = s.clone();
        for (int d = 0; d < o.length; d++) if (rnd.nextBoolean()) o[d] = 1;
        return new OpCase("reduce " + lower(r), ops(op("x", F, s, Fix.RANK), f("out", o)), (b, v) -> b.reduce(r, v[0], v[1], 1));
    }

    private static OpCase argReduce(Random rnd) {
        ArgReduceOp r = ArgReduceOp.values()[rnd.nextInt(2)];
        long[] s = shape(rnd, 1, 4), o = s.clone();
        int axis = rnd.nextInt(s.length);
        o[axis] = 1;
        return new OpCase(lower(r), ops(op("x", F, s, Fix.RANK), op("out", L, o, Fix.SHAPE)),
                (b, v) -> b.argReduce(r, v[0], axis, v[1]));
    }

    private static OpCase matmul(Random rnd) {
        long m = 1 + rnd.nextInt(4), k = 1 + rnd.nextInt(4), n = 1 + rnd.nextInt(4);
        boolean batched = rnd.nextBoolean();
        long bs = 1 + rnd.nextInt(3);
        Function<long[], long[]> withBatch = mn -> batched ? dims(bs, mn[0], mn[1]) : mn;
        return new OpCase("matmul", ops(f("a", withBatch.apply(dims(m, k))), f("b", withBatch.apply(dims(k, n))),
                f("out", withBatch.apply(dims(m, n)))), (b, v) -> b.matmul(v[0], v[1], v[2], 1, 0));
    }

    private static OpCase indexSelect(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        int axis = rnd.nextInt(s.length);
        long len = 1 + rnd.nextInt(4);
        long[] o = s.clone();
        o[axis] = len;
        return new OpCase("indexSelect", ops(op("x", F, s, Fix.RANK), op("index", L, dims(len), Fix.SHAPE), f("out", o)),
                (b, v) -> b.indexSelect(v[0], axis, v[1], v[2]));
    }

    private static OpCase indexAdd(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        int axis = rnd.nextInt(s.length);
        long len = 1 + rnd.nextInt(4);
        long[] src = s.clone();
        src[axis] = len;
        return new OpCase("indexAdd", ops(f("src", src), op("index", L, dims(len), Fix.SHAPE), op("out", F, s, Fix.RANK)),
                (b, v) -> b.indexAdd(v[0], axis, v[1], v[2]));
    }

    /** A shape no larger than {@code s} outside {@code axis} (any size along it). */
    private static long[] within(long[] s, int axis, Random rnd) {
        long[] t = new long[s.length];
        for (int d = 0; d < s.length; d++) t[d] = d == axis ? 1 + rnd.nextInt(4) : 1 + rnd.nextLong(s[d]);
        return t;
    }

    private static OpCase gather(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        int axis = rnd.nextInt(s.length);
        long[] t = within(s, axis, rnd);
        return new OpCase("gather", ops(op("x", F, s, Fix.RANK), op("index", L, t, Fix.SHAPE), f("out", t)),
                (b, v) -> b.gather(v[0], axis, v[1], v[2]));
    }

    private static OpCase scatterAdd(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        int axis = rnd.nextInt(s.length);
        long[] t = within(s, axis, rnd);
        return new OpCase("scatterAdd", ops(f("src", t), op("index", L, t, Fix.SHAPE), op("out", F, s, Fix.RANK)),
                (b, v) -> b.scatterAdd(v[0], axis, v[1], v[2]));
    }

    static Conv2dGeometry convGeometry(Random rnd) {
        while (true) {
            try {
                return new Conv2dGeometry(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), 2 + rnd.nextInt(4), 2 + rnd.nextInt(4),
                        1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2),
                        rnd.nextInt(2), rnd.nextInt(2), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2));
            } catch (IllegalArgumentException tooSmall) {
                // the drawn input is smaller than the dilated kernel: draw again
            }
        }
    }

    private static OpCase conv2d(Random rnd) {
        Conv2dGeometry g = convGeometry(rnd);
        Operand bias = rnd.nextBoolean() ? f("bias", dims(g.k())) : null;
        return new OpCase("conv2d", ops(f("x", g.inputShape()), f("w", g.weightShape()), bias, f("out", g.outputShape())),
                (b, v) -> b.conv2d(v[0], v[1], v[2], v[3], g));
    }

    private static OpCase conv2dBackwardInput(Random rnd) {
        Conv2dGeometry g = convGeometry(rnd);
        return new OpCase("conv2dBackwardInput", ops(f("dy", g.outputShape()), f("w", g.weightShape()), f("dx", g.inputShape())),
                (b, v) -> b.conv2dBackwardInput(v[0], v[1], v[2], g));
    }

    private static OpCase conv2dBackwardWeight(Random rnd) {
        Conv2dGeometry g = convGeometry(rnd);
        return new OpCase("conv2dBackwardWeight", ops(f("dy", g.outputShape()), f("x", g.inputShape()), f("dw", g.weightShape())),
                (b, v) -> b.conv2dBackwardWeight(v[0], v[1], v[2], g));
    }

    private static OpCase perSampleSquaredConvWeight(Random rnd) {
        Conv2dGeometry g = convGeometry(rnd);
        return new OpCase("perSampleSquaredConvWeight",
                ops(f("dy", g.outputShape()), f("x", g.inputShape()), f("acc", g.weightShape())),
                (b, v) -> b.perSampleSquaredConvWeight(v[0], v[1], v[2], g, 0.5));
    }

    private static OpCase batchNormTrain(Random rnd) {
        long[] x = shape(rnd, 3, 3), c = dims(x[1]);
        boolean affine = rnd.nextBoolean(), running = rnd.nextBoolean();
        return new OpCase("batchNormTrain", ops(f("x", x), affine ? f("weight", c) : null, affine ? f("bias", c) : null,
                running ? f("runningMean", c) : null, running ? f("runningVar", c) : null, f("out", x), f("saveMean", c),
                f("saveInvStd", c)), (b, v) -> b.batchNormTrain(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], 0.1, 1e-5));
    }

    private static OpCase batchNormEval(Random rnd) {
        long[] x = shape(rnd, 3, 3), c = dims(x[1]);
        boolean affine = rnd.nextBoolean();
        return new OpCase("batchNormEval", ops(f("x", x), affine ? f("weight", c) : null, affine ? f("bias", c) : null,
                f("runningMean", c), f("runningVar", c), f("out", x)),
                (b, v) -> b.batchNormEval(v[0], v[1], v[2], v[3], v[4], v[5], 1e-5));
    }

    private static OpCase batchNormBackward(Random rnd) {
        long[] x = shape(rnd, 3, 3), c = dims(x[1]);
        boolean affine = rnd.nextBoolean(), batchStats = rnd.nextBoolean();
        return new OpCase("batchNormBackward", ops(f("dy", x), f("x", x), affine ? f("weight", c) : null, f("mean", c),
                f("invStd", c), f("dx", x), affine ? f("dweight", c) : null, affine ? f("dbias", c) : null),
                (b, v) -> b.batchNormBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], batchStats));
    }

    private static OpCase layerNorm(Random rnd) {
        long[] x = shape(rnd, 2, 2), m = dims(x[0]), d = dims(x[1]);
        boolean affine = rnd.nextBoolean();
        return new OpCase("layerNorm", ops(f("x", x), affine ? f("weight", d) : null, affine ? f("bias", d) : null,
                f("out", x), f("saveMean", m), f("saveInvStd", m)),
                (b, v) -> b.layerNorm(v[0], v[1], v[2], v[3], v[4], v[5], 1e-5));
    }

    private static OpCase layerNormBackward(Random rnd) {
        long[] x = shape(rnd, 2, 2), m = dims(x[0]), d = dims(x[1]);
        boolean affine = rnd.nextBoolean();
        return new OpCase("layerNormBackward", ops(f("dy", x), f("x", x), affine ? f("weight", d) : null, f("saveMean", m),
                f("saveInvStd", m), f("dx", x), affine ? f("dweight", d) : null, affine ? f("dbias", d) : null),
                (b, v) -> b.layerNormBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]));
    }

    private static OpCase softmax(Random rnd) {
        long[] x = shape(rnd, 3, 3);
        boolean log = rnd.nextBoolean();
        return new OpCase("softmax", ops(f("x", x), f("out", x)), (b, v) -> b.softmax(v[0], v[1], log));
    }

    private static OpCase softmaxBackward(Random rnd) {
        long[] x = shape(rnd, 3, 3);
        boolean log = rnd.nextBoolean();
        return new OpCase("softmaxBackward", ops(f("y", x), f("dy", x), f("dx", x)), (b, v) -> b.softmaxBackward(v[0], v[1], v[2], log));
    }

    /** PyTorch's pooling output size (floor or ceil mode). */
    private static long poolOut(long in, long k, long s, long p, boolean ceil) {
        long span = in + 2 * p - k;
        long out = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    static Pool2dGeometry poolGeometry(Random rnd) {
        long kh = 1 + rnd.nextInt(3), kw = 1 + rnd.nextInt(3), sh = 1 + rnd.nextInt(2), sw = 1 + rnd.nextInt(2);
        long ph = rnd.nextLong(kh / 2 + 1), pw = rnd.nextLong(kw / 2 + 1);
        long h = kh + rnd.nextInt(4), w = kw + rnd.nextInt(4);
        boolean ceil = rnd.nextBoolean();
        return new Pool2dGeometry(1 + rnd.nextInt(2), 1 + rnd.nextInt(3), h, w, kh, kw, sh, sw, ph, pw,
                poolOut(h, kh, sh, ph, ceil), poolOut(w, kw, sw, pw, ceil), rnd.nextBoolean());
    }

    private static OpCase maxPool2d(Random rnd) {
        Pool2dGeometry g = poolGeometry(rnd);
        return new OpCase("maxPool2d", ops(f("x", g.inputShape()), f("out", g.outputShape()),
                op("indices", L, g.outputShape(), Fix.SHAPE)), (b, v) -> b.maxPool2d(v[0], v[1], v[2], g));
    }

    private static OpCase maxPool2dBackward(Random rnd) {
        Pool2dGeometry g = poolGeometry(rnd);
        return new OpCase("maxPool2dBackward", ops(f("dy", g.outputShape()), op("indices", L, g.outputShape(), Fix.SHAPE),
                f("dx", g.inputShape())), (b, v) -> b.maxPool2dBackward(v[0], v[1], v[2], g));
    }

    private static OpCase avgPool2d(Random rnd) {
        Pool2dGeometry g = poolGeometry(rnd);
        return new OpCase("avgPool2d", ops(f("x", g.inputShape()), f("out", g.outputShape())), (b, v) -> b.avgPool2d(v[0], v[1], g));
    }

    private static OpCase avgPool2dBackward(Random rnd) {
        Pool2dGeometry g = poolGeometry(rnd);
        return new OpCase("avgPool2dBackward", ops(f("dy", g.outputShape()), f("dx", g.inputShape())),
                (b, v) -> b.avgPool2dBackward(v[0], v[1], g));
    }

    private static OpCase adaptiveAvgPool2d(Random rnd) {
        long[] x = shape(rnd, 4, 4), o = dims(x[0], x[1], 1 + rnd.nextInt(3), 1 + rnd.nextInt(3));
        return new OpCase("adaptiveAvgPool2d", ops(op("x", F, x, Fix.RANK), op("out", F, o, Fix.RANK)),
                (b, v) -> b.adaptiveAvgPool2d(v[0], v[1]));
    }

    private static OpCase adaptiveAvgPool2dBackward(Random rnd) {
        long[] x = shape(rnd, 4, 4), o = dims(x[0], x[1], 1 + rnd.nextInt(3), 1 + rnd.nextInt(3));
        return new OpCase("adaptiveAvgPool2dBackward", ops(op("dy", F, o, Fix.RANK), op("dx", F, x, Fix.RANK)),
                (b, v) -> b.adaptiveAvgPool2dBackward(v[0], v[1]));
    }

    private static OpCase sgdStep(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        boolean momentum = rnd.nextBoolean(), mask = rnd.nextBoolean();
        SgdParams p = new SgdParams(0.1, momentum ? 0.9 : 0, 0, 0.01, 0.001, false, false, true);
        return new OpCase("sgdStep", ops(f("param", s), f("grad", s), momentum ? f("momentumBuffer", s) : null,
                mask ? f("mask", s) : null), (b, v) -> b.sgdStep(v[0], v[1], v[2], v[3], p));
    }

    private static OpCase adamStep(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        boolean mask = rnd.nextBoolean();
        AdamParams p = new AdamParams(0.01, 0.9, 0.999, 1e-8, 0.01, rnd.nextBoolean(), false, 1);
        return new OpCase("adamStep", ops(f("param", s), f("grad", s), f("expAvg", s), f("expAvgSq", s),
                mask ? f("mask", s) : null), (b, v) -> b.adamStep(v[0], v[1], v[2], v[3], v[4], p));
    }

    private static OpCase addSquared(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        return new OpCase("addSquared", ops(f("x", s), f("acc", s)), (b, v) -> b.addSquared(v[0], v[1], 0.5));
    }

    private static OpCase perSampleSquaredGemm(Random rnd) {
        long bs = 1 + rnd.nextInt(3), m = 1 + rnd.nextInt(4), t = 1 + rnd.nextInt(4), n = 1 + rnd.nextInt(4);
        return new OpCase("perSampleSquaredGemm", ops(f("a", dims(bs, m, t)), f("b", dims(bs, t, n)), f("acc", dims(m, n))),
                (b, v) -> b.perSampleSquaredGemm(v[0], v[1], v[2], 0.5));
    }

    private static OpCase ssdDampen(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        return new OpCase("ssdDampen", ops(f("theta", s), f("importanceD", s), f("importanceF", s)),
                (b, v) -> b.ssdDampen(v[0], v[1], v[2], 1, 1));
    }

    private static OpCase addGaussianNoise(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        return new OpCase("addGaussianNoise", ops(f("theta", s), f("std", s)), (b, v) -> b.addGaussianNoise(v[0], v[1], 3, 0));
    }

    private static OpCase scoreHistogram(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        int bits = 1 + rnd.nextInt(8);
        return new OpCase("scoreHistogram", ops(op("scores", F, s, Fix.FREE)),
                (b, v) -> b.scoreHistogram(v[0], 32 - bits, bits, 32, 0, new long[1 << bits]));
    }

    private static OpCase maskFromScores(Random rnd) {
        long[] s = shape(rnd, 1, 3);
        return new OpCase("maskFromScores", ops(f("scores", s), f("mask", s)), (b, v) -> b.maskFromScores(v[0], v[1], 0.5f, 1));
    }

    // ---- the geometry records ----------------------------------------------------------------------------------

    private static long wild(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Long.MAX_VALUE - rnd.nextInt(4);
            case 1 -> Long.MIN_VALUE + rnd.nextInt(4);
            case 2 -> -rnd.nextInt(4);
            case 3 -> 1L << (20 + rnd.nextInt(43));
            case 4 -> (1L << 31) + rnd.nextInt(4);
            default -> 1 + rnd.nextInt(6);
        };
    }

    /** Random sizes, strides, paddings and dilations, many huge or negative: a geometry is refused or fully in range. */
    @Test void geometriesRefuseNegativeOrOverflowingSizes() {
        Random rnd = new Random(SEED);
        int conv = 0, pool = 0;
        for (int i = 0; i < GEOMETRY_CASES; i++) {
            // a plausible geometry (n, c, h, w, k, kh, kw, strides, paddings, dilations / pool out sizes), then 0 to 3
            // of its 13 numbers replaced by huge, negative or extreme values
            long[] a = {1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 3 + rnd.nextInt(6), 3 + rnd.nextInt(6), 1 + rnd.nextInt(3),
                    1 + rnd.nextInt(3), 1 + rnd.nextInt(3), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2), rnd.nextInt(2),
                    rnd.nextInt(2), 1 + rnd.nextInt(2), 1 + rnd.nextInt(2)};
            for (int r = rnd.nextInt(4); r > 0; r--) a[rnd.nextInt(a.length)] = wild(rnd);
            try {
                Conv2dGeometry g = new Conv2dGeometry(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
                conv++;
                for (long[] s : List.of(g.inputShape(), g.weightShape(), g.outputShape())) {
                    for (long d : s) assertTrue(d >= 0, "conv case " + i + ": negative size in " + Arrays.toString(s));
                    exactProduct(s);
                }
                assertTrue(g.outH() >= 1 && g.outW() >= 1, "conv case " + i + ": output " + g.outH() + "x" + g.outW());
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("conv2d:"), "conv case " + i + ": " + e.getMessage());
            }
            long[] p = {a[0], a[1], a[2], a[3], a[5], a[6], a[7], a[8], a[9], a[10], 0, 0};
            boolean ceil = rnd.nextBoolean();
            if (p[4] > 0 && p[5] > 0 && p[6] > 0 && p[7] > 0 && p[2] + 2 * p[8] >= p[4] && p[3] + 2 * p[9] >= p[5]) {
                p[10] = poolOut(p[2], p[4], p[6], p[8], ceil);
                p[11] = poolOut(p[3], p[5], p[7], p[9], ceil);
            }
            if (rnd.nextInt(4) == 0) p[10 + rnd.nextInt(2)] = wild(rnd);
            try {
                Pool2dGeometry g = new Pool2dGeometry(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11],
                        rnd.nextBoolean());
                pool++;
                for (long[] s : List.of(g.inputShape(), g.outputShape())) {
                    for (long d : s) assertTrue(d >= 0, "pool case " + i + ": negative size in " + Arrays.toString(s));
                    exactProduct(s);
                }
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("pool2d:"), "pool case " + i + ": " + e.getMessage());
            }
        }
        // mostly refusals, but the wild draws also make some valid geometries (all sizes small)
        assertTrue(conv > 0 && conv < GEOMETRY_CASES, "valid conv geometries: " + conv);
        assertTrue(pool > 0 && pool < GEOMETRY_CASES, "valid pool geometries: " + pool);
    }

    private static void exactProduct(long[] s) {
        long p = 1;
        for (long d : s) p = Math.multiplyExact(p, d);
    }

    @Test void overflowingGeometriesAreRefusedByName() {
        long big = 1L << 40;
        assertRefused("conv2d:", () -> new Conv2dGeometry(big, big, 8, 8, 1, 1, 1, 1, 1, 0, 0, 1, 1));
        assertRefused("conv2d:", () -> new Conv2dGeometry(1, 1, Long.MAX_VALUE, 8, 1, 1, 1, 1, 1, 1, 0, 1, 1));
        assertRefused("conv2d:", () -> new Conv2dGeometry(1, 1, 8, 8, 1, 3, 3, 1, 1, 0, 0, Long.MAX_VALUE, 1));
        assertRefused("conv2d:", () -> new Conv2dGeometry(1, -1, 8, 8, 1, 3, 3, 1, 1, 0, 0, 1, 1));
        assertRefused("pool2d:", () -> new Pool2dGeometry(big, big, 8, 8, 2, 2, 2, 2, 0, 0, 4, 4, false));
        assertRefused("pool2d:", () -> new Pool2dGeometry(1, 1, Long.MAX_VALUE, 8, 2, 2, 2, 2, 1, 0, 4, 4, false));
        assertRefused("pool2d:", () -> new Pool2dGeometry(-1, 1, 8, 8, 2, 2, 2, 2, 0, 0, 4, 4, false));
        assertRefused("pool2d:", () -> new Pool2dGeometry(1, 1, 8, 8, 2, 2, 2, 2, 0, 0, 5, 4, false));   // not 8/2
    }

    private static void assertRefused(String prefix, Runnable r) {
        IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class, r, prefix);
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }

    // ---- raw-memory kernels (CpuKernels and CpuBackend.rawKernels()) ------------------------------------------

    enum RawCorruption { TOO_SMALL, NEGATIVE_SIZE, OVERFLOWING_SIZE, HEAP, MISALIGNED, READ_ONLY, NULL, CLOSED }

    /** A segment argument: float32 (int64 for counts), how many elements of sizes it holds, whether it is written. */
    record Seg(String name, int bytes, Function<long[], Long> elements, boolean written, boolean optional) {}

    @FunctionalInterface interface RawCall { void run(boolean viaRaw, MemorySegment[] s, long[] sizes); }

    record RawCase(String op, Seg[] segs, long[] sizes, RawCall call) {}

    @Test void randomInvalidSegmentsThrowAnExceptionNamingTheOp() {
        TestBackends.requireCpu();
        Random rnd = new Random(SEED + 1);
        Map<RawCorruption, Integer> counts = new EnumMap<>(RawCorruption.class);
        for (int i = 0; i < RAW_CASES; i++) {
            RawCase c = randomRawCase(rnd);
            boolean viaRaw = rnd.nextBoolean();
            String where = "raw case " + i + " (" + c.op() + (viaRaw ? ", CpuRawKernels" : ", CpuKernels") + ")";
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment[] valid = new MemorySegment[c.segs().length];
                for (int k = 0; k < valid.length; k++)
                    if (c.segs()[k] != null) valid[k] = arena.allocate(c.segs()[k].elements().apply(c.sizes()) * c.segs()[k].bytes(), 64);
                assertDoesNotThrow(() -> c.call().run(viaRaw, valid, c.sizes()), where + ": the valid call failed");

                MemorySegment[] bad = valid.clone();
                long[] sizes = c.sizes().clone();
                int k;
                do k = rnd.nextInt(valid.length); while (c.segs()[k] == null);
                Seg s = c.segs()[k];
                RawCorruption kind;
                while (true) {
                    kind = RawCorruption.values()[rnd.nextInt(RawCorruption.values().length)];
                    if (kind == RawCorruption.READ_ONLY && !s.written()) continue;
                    if (kind == RawCorruption.NULL && s.optional()) continue;
                    if (kind == RawCorruption.TOO_SMALL && s.elements().apply(sizes) == 0) continue;
                    boolean sized = kind == RawCorruption.NEGATIVE_SIZE || kind == RawCorruption.OVERFLOWING_SIZE;
                    if (sized && sizes.length == 0) continue;
                    break;
                }
                long n = s.elements().apply(sizes);
                switch (kind) {
                    case TOO_SMALL -> {
                        long fewer = rnd.nextLong(n);   // 0 .. n - 1 elements
                        bad[k] = arena.allocate(Math.max(1, fewer * s.bytes()), 64).asSlice(0, fewer * s.bytes());
                    }
                    case NEGATIVE_SIZE -> sizes[rnd.nextInt(sizes.length)] = -1 - rnd.nextLong(10);
                    case OVERFLOWING_SIZE -> sizes[rnd.nextInt(sizes.length)] = rnd.nextBoolean() ? Long.MAX_VALUE / 2 : 1L << 40;
                    case HEAP -> bad[k] = s.bytes() == 8 ? MemorySegment.ofArray(new long[(int) n]) : MemorySegment.ofArray(new float[(int) n]);
                    case MISALIGNED -> bad[k] = arena.allocate(n * s.bytes() + 8, 64).asSlice(1 + rnd.nextInt(s.bytes() - 1), n * s.bytes());
                    case READ_ONLY -> bad[k] = valid[k].asReadOnly();
                    case NULL -> bad[k] = null;
                    case CLOSED -> {
                        Arena closed = Arena.ofConfined();
                        bad[k] = closed.allocate(Math.max(1, n) * s.bytes(), 64);
                        closed.close();
                    }
                }
                counts.merge(kind, 1, Integer::sum);
                String what = where + ": " + s.name() + " " + kind + " sizes " + Arrays.toString(sizes);
                Class<? extends RuntimeException> expected =
                        kind == RawCorruption.CLOSED ? IllegalStateException.class : IllegalArgumentException.class;
                RuntimeException e = assertThrowsExactly(expected, () -> c.call().run(viaRaw, bad, sizes), what);
                assertTrue(e.getMessage() != null && e.getMessage().contains(c.op() + ":"),
                        what + ": the message does not name the op: " + e.getMessage());
            }
        }
        for (RawCorruption kind : RawCorruption.values())
            assertTrue(counts.getOrDefault(kind, 0) >= 20, kind + " drawn only " + counts.get(kind) + " times: " + counts);
    }

    private static CpuRawKernels raw() { return ((CpuBackend) Backends.implementation(Backends.byName("cpu"))).rawKernels(); }

    private static Function<long[], Long> size(int i) { return s -> s[i]; }

    private static Seg in(String name, Function<long[], Long> n) { return new Seg(name, 4, n, false, false); }

    private static Seg out(String name, Function<long[], Long> n) { return new Seg(name, 4, n, true, false); }

    private static RawCase randomRawCase(Random rnd) {
        long n = 1 + rnd.nextInt(40);
        long[] one = {n};
        Function<long[], Long> n0 = size(0);
        return switch (rnd.nextInt(9)) {
            case 0 -> new RawCase("ssdDampen", new Seg[] {out("theta", n0), in("importanceD", n0), in("importanceF", n0)}, one,
                    (r, s, z) -> {
                        if (r) raw().ssdDampen(s[0], s[1], s[2], z[0], 1, 1);
                        else CpuKernels.ssdDampen(s[0], s[1], s[2], z[0], 1, 1);
                    });
            case 1 -> new RawCase("addSquared", new Seg[] {in("x", n0), out("acc", n0)}, one, (r, s, z) -> {
                if (r) raw().addSquared(s[0], s[1], z[0], 0.5);
                else CpuKernels.addSquared(s[0], s[1], z[0], 0.5);
            });
            case 2 -> {
                long[] bmtn = {1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
                yield new RawCase("perSampleSquaredGemm", new Seg[] {
                        in("a", z -> z[0] * z[1] * z[2]), in("b", z -> z[0] * z[2] * z[3]), out("acc", z -> z[1] * z[3])}, bmtn,
                        (r, s, z) -> {
                            if (r) raw().perSampleSquaredGemm(s[0], s[1], s[2], z[0], z[1], z[2], z[3], 0.5);
                            else CpuKernels.perSampleSquaredGemm(s[0], s[1], s[2], z[0], z[1], z[2], z[3], 0.5);
                        });
            }
            case 3 -> {
                // the sizes are the geometry's (refused by its constructor, see overflowingGeometriesAreRefusedByName)
                Conv2dGeometry g = convGeometry(rnd);
                yield new RawCase("perSampleSquaredConvWeight", new Seg[] {
                        in("dy", z -> product(g.outputShape())), in("x", z -> product(g.inputShape())),
                        out("acc", z -> product(g.weightShape()))}, new long[0], (r, s, z) -> {
                    if (r) raw().perSampleSquaredConvWeight(s[0], s[1], s[2], g, 0.5);
                    else CpuKernels.perSampleSquaredConvWeight(s[0], s[1], s[2], g, 0.5);
                });
            }
            case 4 -> new RawCase("addGaussianNoise", new Seg[] {out("theta", n0), in("std", n0)}, one, (r, s, z) -> {
                if (r) raw().addGaussianNoise(s[0], s[1], z[0], 3, 0);
                else CpuKernels.addGaussianNoise(s[0], s[1], z[0], 3, 0);
            });
            case 5 -> {
                int bits = 1 + rnd.nextInt(8);
                yield new RawCase("scoreHistogram", new Seg[] {in("scores", n0), new Seg("counts", 8, z -> 1L << bits, true, false)},
                        one, (r, s, z) -> {
                            if (r) raw().scoreHistogram(s[0], z[0], 32 - bits, bits, 32, 0, s[1]);
                            else CpuKernels.scoreHistogram(s[0], z[0], 32 - bits, bits, 32, 0, s[1]);
                        });
            }
            case 6 -> new RawCase("maskFromScores", new Seg[] {in("scores", n0), out("mask", n0)}, one, (r, s, z) -> {
                if (r) raw().maskFromScores(s[0], s[1], z[0], 0.5f, 1);
                else CpuKernels.maskFromScores(s[0], s[1], z[0], 0.5f, 1);
            });
            case 7 -> {
                boolean momentum = rnd.nextBoolean();
                SgdParams p = new SgdParams(0.1, momentum ? 0.9 : 0, 0, 0.01, 0.001, false, false, true);
                yield new RawCase("sgdStep", new Seg[] {out("param", n0), in("grad", n0),
                        new Seg("momentumBuffer", 4, n0, true, !momentum), new Seg("mask", 4, n0, false, true)}, one,
                        (r, s, z) -> {
                            if (r) raw().sgdStep(s[0], s[1], s[2], s[3], z[0], p);
                            else CpuKernels.sgdStep(s[0], s[1], s[2], s[3], z[0], p);
                        });
            }
            default -> {
                AdamParams p = new AdamParams(0.01, 0.9, 0.999, 1e-8, 0.01, rnd.nextBoolean(), false, 1);
                yield new RawCase("adamStep", new Seg[] {out("param", n0), in("grad", n0), out("expAvg", n0),
                        out("expAvgSq", n0), new Seg("mask", 4, n0, false, true)}, one, (r, s, z) -> {
                    if (r) raw().adamStep(s[0], s[1], s[2], s[3], s[4], z[0], p);
                    else CpuKernels.adamStep(s[0], s[1], s[2], s[3], s[4], z[0], p);
                });
            }
        };
    }

    private static long product(long[] s) {
        long p = 1;
        for (long d : s) p *= d;
        return p;
    }

    /** A sanity check of the generator itself: every op of the SPI list is drawn. */
    @Test void everyOpIsDrawn() {
        Random rnd = new Random(SEED);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < SPI_CASES; i++) seen.add(randomCase(rnd).op().replaceAll("^reduce .*", "reduce"));
        assertTrue(seen.containsAll(List.of("copy", "fill", "random", "write", "read", "where", "reduce", "matmul",
                "indexSelect", "indexAdd", "gather", "scatterAdd", "conv2d", "conv2dBackwardInput", "conv2dBackwardWeight",
                "perSampleSquaredConvWeight", "batchNormTrain", "batchNormEval", "batchNormBackward", "layerNorm",
                "layerNormBackward", "softmax", "softmaxBackward", "maxPool2d", "maxPool2dBackward", "avgPool2d",
                "avgPool2dBackward", "adaptiveAvgPool2d", "adaptiveAvgPool2dBackward", "sgdStep", "adamStep", "addSquared",
                "perSampleSquaredGemm", "ssdDampen", "addGaussianNoise", "scoreHistogram", "maskFromScores")), seen.toString());
        assertEquals(40, OPS.size());
    }
}
