// The user-facing n-dimensional array: a strided view (shape, strides, offset) on a reference-counted storage
// owned by a backend, plus its autograd state. Methods are thin: the differentiable ops and their gradient
// rules live beside it in this package (Elementwise, Reductions, ...: one place), the kernels in the backends.
//
// Lifetimes: a tensor belongs to the scope that was current when it was made (see Scope) or, made outside any
// scope, to the caller, who closes it. Any use after close is an IllegalStateException.
package ai.lethe.tensor;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.BinaryOp;
import ai.lethe.backend.RandomKind;
import ai.lethe.backend.Storage;
import ai.lethe.backend.UnaryOp;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import java.lang.foreign.MemorySegment;
import java.util.List;

public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Storage storage;
    private final DType dtype;
    private final Shape shape;
    private final long[] strides;
    private final long offset;
    private volatile boolean closed;
    private volatile Scope owner;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    private Tensor(Backend backend, Storage storage, DType dtype, Shape shape, long[] strides, long offset) {
        this.backend = backend;
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.owner = Scope.register(this);
    }

    // ---- creation ---------------------------------------------------------------------------------------

    /** Uninitialised tensor (torch.empty). */
    public static Tensor empty(Shape shape, DType dtype, Device device) {
        Backend b = Backends.of(device);
        long bytes = Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
        Storage s = b.allocate(bytes);
        return new Tensor(b, s, dtype, shape, shape.contiguousStrides(), 0);
    }

    public static Tensor empty(Shape shape, Device device) { return empty(shape, DType.FLOAT32, device); }

    public static Tensor empty(long... dims) { return empty(Shape.of(dims), DType.FLOAT32, Backends.defaultDevice()); }

    public static Tensor full(Shape shape, double value, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        t.backend.fill(t.kernelView(), value);
        return t;
    }

    public static Tensor full(Shape shape, double value, Device device) { return full(shape, value, DType.FLOAT32, device); }

    public static Tensor full(Shape shape, double value) { return full(shape, value, DType.FLOAT32, Backends.defaultDevice()); }

    public static Tensor zeros(Shape shape, DType dtype, Device device) { return full(shape, 0, dtype, device); }

    public static Tensor zeros(Shape shape, Device device) { return full(shape, 0, DType.FLOAT32, device); }

    public static Tensor zeros(Shape shape) { return zeros(shape, Backends.defaultDevice()); }

    public static Tensor zeros(long... dims) { return zeros(Shape.of(dims)); }

    public static Tensor ones(Shape shape, DType dtype, Device device) { return full(shape, 1, dtype, device); }

    public static Tensor ones(Shape shape, Device device) { return full(shape, 1, DType.FLOAT32, device); }

    public static Tensor ones(Shape shape) { return ones(shape, Backends.defaultDevice()); }

    public static Tensor ones(long... dims) { return ones(Shape.of(dims)); }

    public static Tensor zerosLike(Tensor t) { return zeros(t.shape, t.dtype, t.device()); }

    public static Tensor onesLike(Tensor t) { return ones(t.shape, t.dtype, t.device()); }

    public static Tensor emptyLike(Tensor t) { return empty(t.shape, t.dtype, t.device()); }

    /** A 0-dimensional tensor holding {@code value}. */
    public static Tensor scalar(double value, DType dtype, Device device) { return full(Shape.scalar(), value, dtype, device); }

    public static Tensor scalar(double value) { return scalar(value, DType.FLOAT32, Backends.defaultDevice()); }

    /** 0, 1, ..., end-1 (float32). */
    public static Tensor arange(long end) { return arange(0, end, 1, DType.FLOAT32, Backends.defaultDevice()); }

    /** start, start+step, ... below end (above end for a negative step), as torch.arange. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (step == 0 || Double.isNaN(step)) throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        long n = (long) Math.max(0, Math.ceil((end - start) / step));
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < n; i++) v[i] = start + i * step;
        return fromArray(v, dtype, device, n);
    }

    /** A float32 tensor of the given shape from row-major values (default device). */
    public static Tensor fromArray(float[] data, long... dims) { return fromArray(data, Backends.defaultDevice(), dims); }

    public static Tensor fromArray(float[] data, Device device, long... dims) {
        Shape s = dims.length == 0 && data.length != 1 ? Shape.of(data.length) : Shape.of(dims);
        checkLength("fromArray", data.length, s);
        Tensor t = empty(s, DType.FLOAT32, device);
        t.backend.write(MemorySegment.ofArray(data), t.kernelView());
        return t;
    }

    /** A tensor of {@code dtype} (float32, float64 or int64) from double values. */
    public static Tensor fromArray(double[] data, DType dtype, Device device, long... dims) {
        Shape s = dims.length == 0 && data.length != 1 ? Shape.of(data.length) : Shape.of(dims);
        checkLength("fromArray", data.length, s);
        Tensor t = empty(s, dtype, device);
        switch (dtype) {
            case FLOAT64 -> t.backend.write(MemorySegment.ofArray(data), t.kernelView());
            case FLOAT32 -> {
                float[] f = new float[data.length];
                for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
                t.backend.write(MemorySegment.ofArray(f), t.kernelView());
            }
            case INT64 -> {
                long[] l = new long[data.length];
                for (int i = 0; i < l.length; i++) l[i] = (long) data[i];
                t.backend.write(MemorySegment.ofArray(l), t.kernelView());
            }
        }
        return t;
    }

    /** An int64 tensor (indices, labels) from row-major values. */
    public static Tensor fromLongs(long[] data, Device device, long... dims) {
        Shape s = dims.length == 0 && data.length != 1 ? Shape.of(data.length) : Shape.of(dims);
        checkLength("fromLongs", data.length, s);
        Tensor t = empty(s, DType.INT64, device);
        t.backend.write(MemorySegment.ofArray(data), t.kernelView());
        return t;
    }

    public static Tensor fromLongs(long[] data, long... dims) { return fromLongs(data, Backends.defaultDevice(), dims); }

    private static void checkLength(String op, int length, Shape s) {
        if (length != s.numel())
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + s + " (" + s.numel() + " elements)");
    }

    /** Uniform on [low, high) from {@code gen}; same values on every backend. */
    public static Tensor uniform(Shape shape, double low, double high, Generator gen, DType dtype, Device device) {
        return random(RandomKind.UNIFORM, shape, low, high, gen, dtype, device);
    }

    public static Tensor uniform(Shape shape, double low, double high, Generator gen) {
        return uniform(shape, low, high, gen, DType.FLOAT32, Backends.defaultDevice());
    }

    /** Uniform on [0, 1) (torch.rand). */
    public static Tensor rand(Shape shape, Generator gen) { return uniform(shape, 0, 1, gen); }

    /** Normal with the given mean and standard deviation. */
    public static Tensor normal(Shape shape, double mean, double std, Generator gen, DType dtype, Device device) {
        return random(RandomKind.NORMAL, shape, mean, std, gen, dtype, device);
    }

    /** Standard normal (torch.randn). */
    public static Tensor randn(Shape shape, Generator gen, Device device) {
        return normal(shape, 0, 1, gen, DType.FLOAT32, device);
    }

    public static Tensor randn(Shape shape, Generator gen) { return randn(shape, gen, Backends.defaultDevice()); }

    /** Standard normal from the global generator. */
    public static Tensor randn(long... dims) { return randn(Shape.of(dims), Generator.global()); }

    /** 1 with probability p, else 0. */
    public static Tensor bernoulli(Shape shape, double p, Generator gen, Device device) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("bernoulli: p must be in [0, 1], got " + p);
        return random(RandomKind.BERNOULLI, shape, p, 0, gen, DType.FLOAT32, device);
    }

    private static Tensor random(RandomKind kind, Shape shape, double a, double b, Generator gen, DType dtype, Device device) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException(kind.name().toLowerCase() + ": dtype must be floating point, got " + dtype);
        return randomAt(kind, shape, a, b, gen.seed(), gen.reserve(kind, shape.numel()), dtype, device);
    }

    /** A draw of {@code kind} from Philox block {@code counter} of {@code seed}, reserved by the caller. */
    static Tensor randomAt(RandomKind kind, Shape shape, double a, double b, long seed, long counter, DType dtype, Device device) {
        Tensor t = empty(shape, dtype, device);
        t.backend.random(kind, t.kernelView(), seed, counter, a, b);
        return t;
    }

    /**
     * A tensor sharing this one's storage with another shape, strides and offset (torch.as_strided, not
     * recorded by autograd). The window must stay inside the storage.
     */
    public Tensor asStrided(Shape newShape, long[] newStrides, long newOffset) {
        checkOpen("asStrided");
        if (newStrides.length != newShape.rank())
            throw new IllegalArgumentException("asStrided: " + newStrides.length + " strides for shape " + newShape);
        long lo = newOffset, hi = newOffset;
        for (int i = 0; i < newStrides.length; i++) {
            if (newShape.dim(i) == 0) { lo = newOffset; hi = newOffset - 1; break; }
            long span = (newShape.dim(i) - 1) * newStrides[i];
            if (span < 0) lo += span; else hi += span;
        }
        long capacity = storage.byteSize() / dtype.byteSize();
        if (hi >= lo && (lo < 0 || hi >= capacity))
            throw new IndexOutOfBoundsException("asStrided: shape " + newShape + " strides " + java.util.Arrays.toString(newStrides)
                    + " offset " + newOffset + " reaches outside the storage of " + capacity + " elements");
        storage.retain();
        return new Tensor(backend, storage, dtype, newShape, newStrides.clone(), newOffset);
    }

    // ---- metadata ---------------------------------------------------------------------------------------

    public Shape shape() { checkOpen("shape"); return shape; }

    /** The shape without the open check (for error messages about closed tensors). */
    public Shape shapeUnchecked() { return shape; }

    public long size(int axis) { return shape().dim(axis); }

    public int rank() { return shape.rank(); }

    public long numel() { return shape.numel(); }

    public DType dtype() { return dtype; }

    public Device device() { return storage.device(); }

    public Backend backend() { return backend; }

    public long[] strides() { return strides.clone(); }

    public long offset() { return offset; }

    public boolean isContiguous() { return kernelViewUnchecked().isContiguous(); }

    /** Storage version: bumped by every in-place write. */
    public int version() { return storage.version(); }

    /** Records an in-place write done by a kernel (for op authors): autograd detects stale saved tensors. */
    public void markModified() { storage.bumpVersion(); }

    /** Whether {@code other} shares this tensor's storage. */
    public boolean sharesStorageWith(Tensor other) { return storage == other.storage; }

    /** The strided window a backend kernel reads or writes (for backend and op authors). */
    public View kernelView() {
        checkOpen("kernelView");
        return kernelViewUnchecked();
    }

    private View kernelViewUnchecked() { return new View(storage, dtype, offset, shape.dims(), strides); }

    /** Fails with an IllegalStateException naming {@code op} if this tensor was closed. */
    public void checkOpen(String op) {
        if (closed || storage.isFreed())
            throw new IllegalStateException(op + ": tensor of shape " + shape + " on " + storage.device()
                    + " was used after it was closed (or its scope closed)");
    }

    // ---- views (share storage; recorded by autograd) ----------------------------------------------------

    public Tensor reshape(long... dims) { return Views.reshape(this, dims); }

    public Tensor reshape(Shape s) { return Views.reshape(this, s.dims()); }

    public Tensor flatten() { return Views.flatten(this, 0, -1); }

    /** Merges dimensions start..end (inclusive, negative from the end) into one. */
    public Tensor flatten(int start, int end) { return Views.flatten(this, start, end); }

    public Tensor permute(int... order) { return Views.permute(this, order); }

    public Tensor transpose(int a, int b) { return Views.transpose(this, a, b); }

    /** Transpose of a 2-D tensor. */
    public Tensor t() {
        if (rank() != 2) throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + shape());
        return transpose(0, 1);
    }

    /** Elements start, start+step, ... below end along {@code axis} (negative start/end count from the end). */
    public Tensor slice(int axis, long start, long end, long step) { return Views.slice(this, axis, start, end, step); }

    public Tensor slice(int axis, long start, long end) { return Views.slice(this, axis, start, end, 1); }

    public Tensor narrow(int axis, long start, long length) { return Views.slice(this, axis, start, start + length, 1); }

    /** The sub-tensor at {@code index} along {@code axis}, without that dimension. */
    public Tensor select(int axis, long index) { return Views.select(this, axis, index); }

    /** Broadcasts size-1 dimensions (and new leading ones) to {@code dims}; -1 keeps a size. */
    public Tensor expand(long... dims) { return Views.expand(this, dims); }

    public Tensor expandAs(Tensor other) { return Views.expand(this, other.shape().dims()); }

    public Tensor squeeze(int axis) { return Views.squeeze(this, axis); }

    public Tensor unsqueeze(int axis) { return Views.unsqueeze(this, axis); }

    /** This tensor if contiguous, else a contiguous copy (recorded by autograd). */
    public Tensor contiguous() { return isContiguous() ? this : Views.contiguous(this); }

    /** Splits into {@code chunks} views along {@code axis} (the last one may be smaller). */
    public List<Tensor> chunk(int chunks, int axis) { return Views.chunk(this, chunks, axis); }

    public static Tensor cat(List<Tensor> tensors, int axis) { return Views.cat(tensors, axis); }

    public static Tensor stack(List<Tensor> tensors, int axis) { return Views.stack(tensors, axis); }

    // ---- elementwise math -------------------------------------------------------------------------------

    public Tensor add(Tensor o) { return Elementwise.binary(BinaryOp.ADD, this, o, 1, 0); }

    /** this + alpha·o. */
    public Tensor add(Tensor o, double alpha) { return Elementwise.binary(BinaryOp.ADD, this, o, alpha, 0); }

    public Tensor add(double s) { return Elementwise.unary(UnaryOp.AFFINE, this, 1, s); }

    public Tensor sub(Tensor o) { return Elementwise.binary(BinaryOp.SUB, this, o, 1, 0); }

    public Tensor sub(double s) { return Elementwise.unary(UnaryOp.AFFINE, this, 1, -s); }

    public Tensor mul(Tensor o) { return Elementwise.binary(BinaryOp.MUL, this, o, 0, 0); }

    public Tensor mul(double s) { return Elementwise.unary(UnaryOp.AFFINE, this, s, 0); }

    public Tensor div(Tensor o) { return Elementwise.binary(BinaryOp.DIV, this, o, 0, 0); }

    public Tensor div(double s) { return Elementwise.unary(UnaryOp.AFFINE, this, 1.0 / s, 0); }

    /** s − this. */
    public Tensor rsub(double s) { return Elementwise.unary(UnaryOp.AFFINE, this, -1, s); }

    public Tensor pow(double p) { return Elementwise.unary(UnaryOp.POW, this, p, 0); }

    public Tensor pow(Tensor p) { return Elementwise.binary(BinaryOp.POW, this, p, 0, 0); }

    public Tensor maximum(Tensor o) { return Elementwise.binary(BinaryOp.MAXIMUM, this, o, 0, 0); }

    public Tensor minimum(Tensor o) { return Elementwise.binary(BinaryOp.MINIMUM, this, o, 0, 0); }

    public Tensor neg() { return Elementwise.unary(UnaryOp.NEG, this, 0, 0); }

    public Tensor abs() { return Elementwise.unary(UnaryOp.ABS, this, 0, 0); }

    public Tensor sign() { return Elementwise.unary(UnaryOp.SIGN, this, 0, 0); }

    public Tensor exp() { return Elementwise.unary(UnaryOp.EXP, this, 0, 0); }

    public Tensor log() { return Elementwise.unary(UnaryOp.LOG, this, 0, 0); }

    public Tensor sqrt() { return Elementwise.unary(UnaryOp.SQRT, this, 0, 0); }

    public Tensor rsqrt() { return Elementwise.unary(UnaryOp.RSQRT, this, 0, 0); }

    public Tensor square() { return Elementwise.unary(UnaryOp.SQUARE, this, 0, 0); }

    public Tensor reciprocal() { return Elementwise.unary(UnaryOp.RECIPROCAL, this, 0, 0); }

    public Tensor sin() { return Elementwise.unary(UnaryOp.SIN, this, 0, 0); }

    public Tensor cos() { return Elementwise.unary(UnaryOp.COS, this, 0, 0); }

    public Tensor tanh() { return Elementwise.unary(UnaryOp.TANH, this, 0, 0); }

    public Tensor sigmoid() { return Elementwise.unary(UnaryOp.SIGMOID, this, 0, 0); }

    public Tensor relu() { return Elementwise.unary(UnaryOp.RELU, this, 0, 0); }

    /** GELU, exact (erf) form. */
    public Tensor gelu() { return Elementwise.unary(UnaryOp.GELU_ERF, this, 0, 0); }

    /** GELU; {@code tanhApproximation} selects PyTorch's approximate='tanh'. */
    public Tensor gelu(boolean tanhApproximation) {
        return Elementwise.unary(tanhApproximation ? UnaryOp.GELU_TANH : UnaryOp.GELU_ERF, this, 0, 0);
    }

    public Tensor erf() { return Elementwise.unary(UnaryOp.ERF, this, 0, 0); }

    public Tensor erfinv() { return Elementwise.unary(UnaryOp.ERFINV, this, 0, 0); }

    /** min(max(this, lo), hi); pass ±infinity for a one-sided clamp. */
    public Tensor clamp(double lo, double hi) {
        if (lo > hi) throw new IllegalArgumentException("clamp: min " + lo + " is greater than max " + hi);
        return Elementwise.unary(UnaryOp.CLAMP, this, lo, hi);
    }

    public Tensor clampMin(double lo) { return clamp(lo, Double.POSITIVE_INFINITY); }

    public Tensor clampMax(double hi) { return clamp(Double.NEGATIVE_INFINITY, hi); }

    /** cond != 0 ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Elementwise.where(cond, a, b); }

    // comparisons: float32 (float64 for float64 inputs) tensors of 0 and 1, never recorded by autograd

    public Tensor eq(Tensor o) { return Elementwise.compare(BinaryOp.EQ, this, o); }

    public Tensor ne(Tensor o) { return Elementwise.compare(BinaryOp.NE, this, o); }

    public Tensor lt(Tensor o) { return Elementwise.compare(BinaryOp.LT, this, o); }

    public Tensor le(Tensor o) { return Elementwise.compare(BinaryOp.LE, this, o); }

    public Tensor gt(Tensor o) { return Elementwise.compare(BinaryOp.GT, this, o); }

    public Tensor ge(Tensor o) { return Elementwise.compare(BinaryOp.GE, this, o); }

    public Tensor eq(double s) { return Elementwise.compare(BinaryOp.EQ, this, s); }

    public Tensor lt(double s) { return Elementwise.compare(BinaryOp.LT, this, s); }

    public Tensor gt(double s) { return Elementwise.compare(BinaryOp.GT, this, s); }

    public Tensor ge(double s) { return Elementwise.compare(BinaryOp.GE, this, s); }

    public Tensor le(double s) { return Elementwise.compare(BinaryOp.LE, this, s); }

    // ---- reductions -------------------------------------------------------------------------------------

    /** Sum of all elements (0-dimensional). */
    public Tensor sum() { return Reductions.sum(this, null, false); }

    public Tensor sum(int... axes) { return Reductions.sum(this, axes, false); }

    public Tensor sum(int[] axes, boolean keepDim) { return Reductions.sum(this, axes, keepDim); }

    public Tensor mean() { return Reductions.mean(this, null, false); }

    public Tensor mean(int... axes) { return Reductions.mean(this, axes, false); }

    public Tensor mean(int[] axes, boolean keepDim) { return Reductions.mean(this, axes, keepDim); }

    /** Largest element (0-dimensional). */
    public Tensor max() { return Reductions.max(this, null, false); }

    /** Largest values along {@code axis}; the gradient goes to the first maximal element. */
    public Tensor max(int axis) { return Reductions.max(this, new int[] {axis}, false); }

    public Tensor max(int axis, boolean keepDim) { return Reductions.max(this, new int[] {axis}, keepDim); }

    public Tensor min() { return Reductions.min(this, null, false); }

    public Tensor min(int axis) { return Reductions.min(this, new int[] {axis}, false); }

    public Tensor min(int axis, boolean keepDim) { return Reductions.min(this, new int[] {axis}, keepDim); }

    /** Variance over {@code axes} (null: all) with Bessel correction {@code correction} (torch.var). */
    public Tensor var(int[] axes, int correction, boolean keepDim) { return Reductions.var(this, axes, correction, keepDim); }

    /** Unbiased variance of all elements. */
    public Tensor var() { return Reductions.var(this, null, 1, false); }

    public Tensor std(int[] axes, int correction, boolean keepDim) { return var(axes, correction, keepDim).sqrt(); }

    /** int64 indices of the largest values along {@code axis}. */
    public Tensor argmax(int axis) { return Reductions.argmax(this, axis, false, true); }

    public Tensor argmax(int axis, boolean keepDim) { return Reductions.argmax(this, axis, keepDim, true); }

    /** Index of the largest element of the flattened tensor. */
    public Tensor argmax() { return Reductions.argmax(this.reshape(-1), 0, false, true); }

    public Tensor argmin(int axis) { return Reductions.argmax(this, axis, false, false); }

    /** softmax along {@code axis}. */
    public Tensor softmax(int axis) { return ai.lethe.tensor.Softmax.softmax(this, axis); }

    /** log_softmax along {@code axis}. */
    public Tensor logSoftmax(int axis) { return ai.lethe.tensor.Softmax.logSoftmax(this, axis); }

    // ---- linear algebra and indexing --------------------------------------------------------------------

    /** Matrix product with torch.matmul's rules (1-D operands, broadcast batch dimensions). */
    public Tensor matmul(Tensor o) { return Linalg.matmul(this, o); }

    public Tensor gather(int axis, Tensor index) { return Indexing.gather(this, axis, index); }

    public Tensor indexSelect(int axis, Tensor index) { return Indexing.indexSelect(this, axis, index); }

    /** float32 one-hot rows of an int64 tensor: shape + [numClasses]. */
    public Tensor oneHot(int numClasses) { return Indexing.oneHot(this, numClasses); }

    // ---- copies, conversions, data ----------------------------------------------------------------------

    /** A copy with its own storage (recorded by autograd). */
    public Tensor copy() { return Views.clone(this); }

    /** A contiguous copy with its own storage, not recorded by autograd. */
    public Tensor contiguousCopy() {
        checkOpen("contiguousCopy");
        Tensor out = empty(shape, dtype, device());
        backend.copy(kernelView(), out.kernelView());
        return out;
    }

    /** This tensor on {@code target} (a copy; this tensor if already there). Gradients flow back. */
    public Tensor to(Device target) { return Views.toDevice(this, target); }

    /** This tensor converted to {@code target} (this tensor if it already has that dtype). */
    public Tensor to(DType target) { return Views.toDType(this, target); }

    /** A tensor sharing this storage, cut from the graph (no grad). */
    public Tensor detach() {
        checkOpen("detach");
        storage.retain();
        return new Tensor(backend, storage, dtype, shape, strides, offset);
    }

    public float[] toFloatArray() {
        checkOpen("toFloatArray");
        try (Tensor c = readable(DType.FLOAT32)) {
            float[] out = new float[Math.toIntExact(numel())];
            c.backend.read(c.kernelView(), MemorySegment.ofArray(out));
            return out;
        }
    }

    public double[] toDoubleArray() {
        checkOpen("toDoubleArray");
        if (dtype == DType.FLOAT64) {
            try (Tensor c = readable(DType.FLOAT64)) {
                double[] out = new double[Math.toIntExact(numel())];
                c.backend.read(c.kernelView(), MemorySegment.ofArray(out));
                return out;
            }
        }
        double[] out = new double[Math.toIntExact(numel())];
        if (dtype == DType.INT64) {
            long[] l = toLongArray();
            for (int i = 0; i < out.length; i++) out[i] = l[i];
        } else {
            float[] f = toFloatArray();
            for (int i = 0; i < out.length; i++) out[i] = f[i];
        }
        return out;
    }

    public long[] toLongArray() {
        checkOpen("toLongArray");
        try (Tensor c = readable(DType.INT64)) {
            long[] out = new long[Math.toIntExact(numel())];
            c.backend.read(c.kernelView(), MemorySegment.ofArray(out));
            return out;
        }
    }

    /** A contiguous tensor of {@code target} with this tensor's values, owned by the caller. */
    private Tensor readable(DType target) {
        return Scope.unscoped(() -> {
            if (dtype == target && isContiguous()) return detach();
            Tensor out = Tensor.empty(shape, target, device());
            backend.copy(kernelView(), out.kernelView());
            return out;
        });
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new IllegalArgumentException("item: tensor of shape " + shape() + " has " + numel() + " elements, not 1");
        return dtype == DType.INT64 ? toLongArray()[0] : toDoubleArray()[0];
    }

    // ---- in-place writes (never recorded; refused where autograd would be wrong) ------------------------

    /** Overwrites this tensor with {@code src} (broadcast to this shape, converted to this dtype). */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        src.checkOpen("copyFrom");
        if (!src.device().equals(device()))
            throw new IllegalArgumentException("copyFrom: source is on " + src.device() + ", destination on " + device());
        Shape.broadcast(src.shape, shape, "copyFrom");
        try (Tensor e = Views.broadcastView(src, shape)) {
            backend.copy(e.kernelView(), kernelView());
        }
        storage.bumpVersion();
        return this;
    }

    public Tensor fill(double value) {
        checkInPlace("fill");
        backend.fill(kernelView(), value);
        storage.bumpVersion();
        return this;
    }

    public Tensor zero() { return fill(0); }

    /** this += alpha·o (o broadcast to this shape). */
    public Tensor addInPlace(Tensor o, double alpha) {
        checkInPlace("addInPlace");
        Elementwise.binaryInto(BinaryOp.ADD, this, o, alpha, this);
        return this;
    }

    /** this *= s. */
    public Tensor mulInPlace(double s) {
        checkInPlace("mulInPlace");
        backend.unary(UnaryOp.AFFINE, kernelView(), kernelView(), s, 0);
        storage.bumpVersion();
        return this;
    }

    /** this *= o (o broadcast to this shape). */
    public Tensor mulInPlace(Tensor o) {
        checkInPlace("mulInPlace");
        Elementwise.binaryInto(BinaryOp.MUL, this, o, 0, this);
        return this;
    }

    private void checkInPlace(String op) {
        checkOpen(op);
        if (GradMode.isEnabled() && (requiresGrad || gradFn != null))
            throw new IllegalStateException(op + ": in-place write to a tensor that requires grad (shape " + shape
                    + "); do it under GradMode.noGrad() or on a detached tensor");
    }

    // ---- autograd ---------------------------------------------------------------------------------------

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf tensor as a parameter whose gradient backward() computes. Returns this. */
    public Tensor setRequiresGrad(boolean value) {
        checkOpen("setRequiresGrad");
        if (gradFn != null && !value)
            throw new IllegalStateException("setRequiresGrad(false): tensor is the output of " + gradFn.op()
                    + "; use detach() to cut it from the graph");
        if (value && !dtype.isFloatingPoint())
            throw new IllegalArgumentException("setRequiresGrad: only floating-point tensors can require grad, got " + dtype);
        requiresGrad = value || gradFn != null;
        return this;
    }

    /** The accumulated gradient (null before the first backward or after zeroGrad). */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (g != null && !g.shape().equals(shape))
            throw new IllegalArgumentException("setGrad: gradient of shape " + g.shape() + " for a tensor of shape " + shape);
        grad = g;
    }

    /** Closes and drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
    public void zeroGrad() {
        if (grad != null) {
            grad.close();
            grad = null;
        }
    }

    /** The node that computed this tensor, or null for a leaf. */
    public Node gradFn() { return gradFn; }

    public boolean isLeaf() { return gradFn == null; }

    /** Used by autograd: makes this tensor the output of {@code node}. */
    public void attachGradFn(Node node) {
        this.gradFn = node;
        this.requiresGrad = true;
    }

    /** Keeps the gradient of this non-leaf tensor in {@link #grad()} after backward. */
    public Tensor retainGrad() {
        if (gradFn != null) gradFn.retainGradOf(this);
        return this;
    }

    /** Used by autograd: stores a copy of {@code g} as this non-leaf's retained gradient. */
    public void acceptGrad(Tensor g) {
        Tensor copy = g.contiguousCopy();
        Scope.moveTo(copy, owner);
        if (grad != null) grad.close();
        grad = copy;
    }

    /** Backpropagates from this scalar. */
    public void backward() { Engine.backward(this, null); }

    /** Backpropagates with upstream gradient {@code gradient} (same shape as this). */
    public void backward(Tensor gradient) { Engine.backward(this, gradient); }

    // ---- lifetime ---------------------------------------------------------------------------------------

    /** The scope that will free this tensor, or null if the caller owns it. */
    public Scope owner() { return owner; }

    void setOwner(Scope s) { owner = s; }

    public boolean isClosed() { return closed; }

    /** Frees this tensor (its storage when no other view uses it) and its gradient. Idempotent. */
    @Override public void close() {
        Scope s = owner;
        if (s != null) s.forget(this);
        releaseFromScope();
    }

    void releaseFromScope() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        owner = null;
        storage.release();
        Tensor g = grad;
        grad = null;
        if (g != null && g.owner == null) g.close();
    }

    @Override public String toString() { return TensorFormat.format(this); }
}
