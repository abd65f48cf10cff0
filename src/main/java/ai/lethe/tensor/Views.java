// Shape ops and copies with their gradient rules: reshape, permute, transpose, slice, select, expand,
// squeeze/unsqueeze, flatten, chunk, cat, stack, contiguous, clone, device and dtype moves. Views share the
// input's storage; their gradients are views or scatters of the incoming gradient.
package ai.lethe.tensor;

import ai.lethe.backend.Backends;
import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class Views {
    private Views() {}

    // ---- reshape ----------------------------------------------------------------------------------------

    public static Tensor reshape(Tensor t, long[] dims) {
        Ops.check("reshape", t);
        Shape target = inferShape(t.shape(), dims);
        long[] strides = viewStrides(t.shape(), t.strides(), target);
        Tensor out;
        if (strides != null) {
            out = t.asStrided(target, strides, t.offset());
        } else {
            try (Tensor c = t.contiguousCopy()) {
                out = c.asStrided(target, target.contiguousStrides(), 0);
            }
        }
        Shape in = t.shape();
        return Node.record(out, "reshape", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {g.reshape(in.dims())});
    }

    /** Resolves one -1 and checks the element count, naming both shapes. */
    static Shape inferShape(Shape from, long[] dims) {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: only one dimension can be -1, got " + Arrays.toString(dims));
                infer = i;
            } else if (dims[i] < 0) {
                throw new IllegalArgumentException("reshape: invalid size " + dims[i] + " in " + Arrays.toString(dims));
            } else {
                known *= dims[i];
            }
        }
        long[] d = dims.clone();
        if (infer >= 0) {
            if (known == 0 || from.numel() % known != 0)
                throw new IllegalArgumentException("reshape: shape " + Arrays.toString(dims) + " is invalid for input of shape "
                        + from + " (" + from.numel() + " elements)");
            d[infer] = from.numel() / known;
        }
        Shape s = Shape.of(d);
        if (s.numel() != from.numel())
            throw new IllegalArgumentException("reshape: shape " + s + " is invalid for input of shape " + from
                    + " (" + from.numel() + " elements)");
        return s;
    }

    /**
     * Strides that let {@code target} view the same elements as (shape, strides) in row-major order, or null
     * when a copy is needed (PyTorch's computeStride).
     */
    static long[] viewStrides(Shape shape, long[] strides, Shape target) {
        long[] old = shape.dims();
        long[] nd = target.dims();
        long[] out = new long[nd.length];
        if (shape.numel() == 0) return target.contiguousStrides();
        int viewD = nd.length - 1;
        long chunkBase = old.length == 0 ? 1 : strides[old.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = old.length - 1; d >= 0; d--) {
            tensorNumel *= old[d];
            if (d == 0 || (old[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || nd[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= nd[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            for (; viewD >= 0; viewD--) out[viewD] = 1;
        }
        return out;
    }

    public static Tensor flatten(Tensor t, int start, int end) {
        Ops.check("flatten", t);
        if (t.rank() == 0) return reshape(t, new long[] {1});
        int s = t.shape().axis(start, "flatten"), e = t.shape().axis(end, "flatten");
        if (s > e) throw new IllegalArgumentException("flatten: start dimension " + start + " is after end dimension " + end);
        long[] d = t.shape().dims();
        long[] nd = new long[d.length - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) nd[j++] = d[i];
        long m = 1;
        for (int i = s; i <= e; i++) m *= d[i];
        nd[j++] = m;
        for (int i = e + 1; i < d.length; i++) nd[j++] = d[i];
        return reshape(t, nd);
    }

    // ---- permutations -----------------------------------------------------------------------------------

    public static Tensor permute(Tensor t, int[] order) {
        Ops.check("permute", t);
        int r = t.rank();
        if (order.length != r)
            throw new IllegalArgumentException("permute: " + order.length + " dimensions " + Arrays.toString(order)
                    + " for a tensor of shape " + t.shape());
        int[] norm = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            norm[i] = t.shape().axis(order[i], "permute");
            if (seen[norm[i]]) throw new IllegalArgumentException("permute: dimension " + order[i] + " repeated in " + Arrays.toString(order));
            seen[norm[i]] = true;
        }
        long[] d = t.shape().dims(), s = t.strides();
        long[] nd = new long[r], ns = new long[r];
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) {
            nd[i] = d[norm[i]];
            ns[i] = s[norm[i]];
            inverse[norm[i]] = i;
        }
        Tensor out = t.asStrided(Shape.of(nd), ns, t.offset());
        return Node.record(out, "permute", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {g.permute(inverse)});
    }

    public static Tensor transpose(Tensor t, int a, int b) {
        Ops.check("transpose", t);
        int r = t.rank();
        int x = t.shape().axis(a, "transpose"), y = t.shape().axis(b, "transpose");
        int[] order = new int[r];
        for (int i = 0; i < r; i++) order[i] = i;
        order[x] = y;
        order[y] = x;
        return permute(t, order);
    }

    // ---- slicing ----------------------------------------------------------------------------------------

    public static Tensor slice(Tensor t, int axis, long start, long end, long step) {
        Ops.check("slice", t);
        int ax = t.shape().axis(axis, "slice");
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        long n = t.shape().dim(ax);
        long s = start < 0 ? start + n : start;
        long e = end < 0 ? end + n : end;
        s = Math.min(Math.max(s, 0), n);
        e = Math.min(Math.max(e, s), n);
        long len = (e - s + step - 1) / step;
        long[] d = t.shape().dims(), st = t.strides();
        d[ax] = len;
        long off = t.offset() + s * st[ax];
        st[ax] *= step;
        Tensor out = t.asStrided(Shape.of(d), st, off);
        Shape in = t.shape();
        final long s0 = s;
        return Node.record(out, "slice", new Tensor[] {t}, new Tensor[0], (g, needs) -> {
            Tensor full = Tensor.zeros(in, g.dtype(), g.device());
            try (Tensor window = slice(full, ax, s0, s0 + len * step, step)) {
                window.copyFrom(g);
            }
            return new Tensor[] {full};
        });
    }

    public static Tensor select(Tensor t, int axis, long index) {
        Ops.check("select", t);
        int ax = t.shape().axis(axis, "select");
        long n = t.shape().dim(ax);
        long i = index < 0 ? index + n : index;
        if (i < 0 || i >= n)
            throw new IndexOutOfBoundsException("select: index " + index + " out of range for dimension " + axis
                    + " of size " + n + " (shape " + t.shape() + ")");
        long[] st = t.strides();
        long off = t.offset() + i * st[ax];
        Shape outShape = t.shape().drop(ax);
        long[] ns = new long[st.length - 1];
        for (int k = 0, j = 0; k < st.length; k++) if (k != ax) ns[j++] = st[k];
        Tensor out = t.asStrided(outShape, ns, off);
        Shape in = t.shape();
        return Node.record(out, "select", new Tensor[] {t}, new Tensor[0], (g, needs) -> {
            Tensor full = Tensor.zeros(in, g.dtype(), g.device());
            try (Tensor window = select(full, ax, i)) {
                window.copyFrom(g);
            }
            return new Tensor[] {full};
        });
    }

    public static List<Tensor> chunk(Tensor t, int chunks, int axis) {
        Ops.check("chunk", t);
        if (chunks <= 0) throw new IllegalArgumentException("chunk: number of chunks must be positive, got " + chunks);
        int ax = t.shape().axis(axis, "chunk");
        long n = t.shape().dim(ax);
        long size = (n + chunks - 1) / chunks;
        List<Tensor> out = new ArrayList<>();
        for (long s = 0; s < n || (n == 0 && out.isEmpty()); s += Math.max(size, 1)) {
            out.add(slice(t, ax, s, Math.min(s + size, n), 1));
            if (size == 0) break;
        }
        return out;
    }

    // ---- broadcasting -----------------------------------------------------------------------------------

    public static Tensor expand(Tensor t, long[] dims) {
        Ops.check("expand", t);
        Shape in = t.shape();
        if (dims.length < in.rank())
            throw new IllegalArgumentException("expand: target " + Arrays.toString(dims) + " has fewer dimensions than the input shape " + in);
        int lead = dims.length - in.rank();
        long[] nd = new long[dims.length], ns = new long[dims.length];
        long[] st = t.strides();
        for (int i = 0; i < dims.length; i++) {
            if (i < lead) {
                if (dims[i] < 0) throw new IllegalArgumentException("expand: -1 is not allowed for new leading dimension " + i);
                nd[i] = dims[i];
                ns[i] = 0;
                continue;
            }
            long have = in.dim(i - lead);
            long want = dims[i] == -1 ? have : dims[i];
            if (have == want) {
                nd[i] = have;
                ns[i] = st[i - lead];
            } else if (have == 1) {
                nd[i] = want;
                ns[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: cannot expand shape " + in + " to " + Arrays.toString(dims)
                        + " (dimension " + i + " has size " + have + ", not 1)");
            }
        }
        Tensor out = t.asStrided(Shape.of(nd), ns, t.offset());
        return Node.record(out, "expand", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {Ops.sumToShape(g, in)});
    }

    /** An unrecorded broadcast view of {@code t} with {@code shape} (owned by the caller). */
    public static Tensor broadcastView(Tensor t, Shape shape) {
        try (var _ = GradMode.noGrad()) {
            return Scope.unscoped(() -> expand(t, shape.dims()));
        }
    }

    public static Tensor squeeze(Tensor t, int axis) {
        Ops.check("squeeze", t);
        int ax = t.shape().axis(axis, "squeeze");
        if (t.shape().dim(ax) != 1) return reshape(t, t.shape().dims());
        return reshape(t, t.shape().drop(ax).dims());
    }

    public static Tensor unsqueeze(Tensor t, int axis) {
        Ops.check("unsqueeze", t);
        int r = t.rank();
        int ax = axis < 0 ? axis + r + 1 : axis;
        if (ax < 0 || ax > r)
            throw new IllegalArgumentException("unsqueeze: dimension " + axis + " out of range for shape " + t.shape()
                    + " (valid: " + (-r - 1) + " to " + r + ")");
        long[] d = t.shape().dims(), s = t.strides();
        long[] nd = new long[r + 1], ns = new long[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            if (i == ax) {
                nd[i] = 1;
                ns[i] = ax < r ? s[ax] * d[ax] : 1;
            } else {
                nd[i] = d[j];
                ns[i] = s[j];
                j++;
            }
        }
        Tensor out = t.asStrided(Shape.of(nd), ns, t.offset());
        Shape in = t.shape();
        return Node.record(out, "unsqueeze", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {g.reshape(in.dims())});
    }

    // ---- joining ----------------------------------------------------------------------------------------

    public static Tensor cat(List<Tensor> tensors, int axis) {
        if (tensors == null || tensors.isEmpty()) throw new IllegalArgumentException("cat: expects at least one tensor");
        Tensor first = tensors.get(0);
        Ops.check("cat", tensors.toArray(new Tensor[0]));
        int ax = first.shape().axis(axis, "cat");
        long total = 0;
        for (int k = 0; k < tensors.size(); k++) {
            Tensor t = tensors.get(k);
            Ops.sameDType("cat", first, t);
            if (t.rank() != first.rank())
                throw new IllegalArgumentException("cat: tensor " + k + " has shape " + t.shape() + " but tensor 0 has shape "
                        + first.shape() + " (ranks differ)");
            for (int i = 0; i < t.rank(); i++)
                if (i != ax && t.shape().dim(i) != first.shape().dim(i))
                    throw new IllegalArgumentException("cat: tensor " + k + " has shape " + t.shape() + ", tensor 0 has shape "
                            + first.shape() + "; sizes must match except in dimension " + axis);
            total += t.shape().dim(ax);
        }
        Tensor out = Tensor.empty(first.shape().with(ax, total), first.dtype(), first.device());
        long pos = 0;
        long[] starts = new long[tensors.size()];
        try (var _ = GradMode.noGrad()) {
            for (int k = 0; k < tensors.size(); k++) {
                Tensor t = tensors.get(k);
                long len = t.shape().dim(ax);
                starts[k] = pos;
                try (Tensor window = slice(out, ax, pos, pos + len, 1)) {
                    out.backend().copy(t.kernelView(), window.kernelView());
                }
                pos += len;
            }
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return Node.record(out, "cat", inputs, new Tensor[0], (g, needs) -> {
            Tensor[] gs = new Tensor[inputs.length];
            for (int k = 0; k < inputs.length; k++)
                if (needs[k]) gs[k] = slice(g, ax, starts[k], starts[k] + inputs[k].shape().dim(ax), 1);
            return gs;
        });
    }

    public static Tensor stack(List<Tensor> tensors, int axis) {
        if (tensors == null || tensors.isEmpty()) throw new IllegalArgumentException("stack: expects at least one tensor");
        Shape s = tensors.get(0).shape();
        for (int k = 1; k < tensors.size(); k++)
            if (!tensors.get(k).shape().equals(s))
                throw new IllegalArgumentException("stack: tensor " + k + " has shape " + tensors.get(k).shape()
                        + " but tensor 0 has shape " + s);
        List<Tensor> parts = new ArrayList<>();
        for (Tensor t : tensors) parts.add(unsqueeze(t, axis < 0 ? axis : axis));
        return cat(parts, axis);
    }

    // ---- copies -----------------------------------------------------------------------------------------

    public static Tensor contiguous(Tensor t) {
        Ops.check("contiguous", t);
        Tensor out = t.contiguousCopy();
        return Node.record(out, "contiguous", new Tensor[] {t}, new Tensor[0], (g, needs) -> new Tensor[] {g});
    }

    public static Tensor clone(Tensor t) {
        Ops.check("copy", t);
        Tensor out = t.contiguousCopy();
        return Node.record(out, "copy", new Tensor[] {t}, new Tensor[0], (g, needs) -> new Tensor[] {g});
    }

    public static Tensor toDType(Tensor t, DType target) {
        Ops.check("to", t);
        if (t.dtype() == target) return t;
        if (t.requiresGrad() && !target.isFloatingPoint() && GradMode.isEnabled())
            throw new IllegalArgumentException("to: cannot convert a tensor that requires grad to " + target);
        Tensor out = Tensor.empty(t.shape(), target, t.device());
        t.backend().copy(t.kernelView(), out.kernelView());
        DType from = t.dtype();
        return Node.record(out, "to(" + target + ")", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {toDType(g, from)});
    }

    public static Tensor toDevice(Tensor t, Device target) {
        Ops.check("to", t);
        if (t.device().equals(target)) return t;
        var dst = Backends.of(target);
        Tensor src = t.contiguous();
        Tensor out = Tensor.empty(t.shape(), t.dtype(), target);
        long bytes = t.numel() * t.dtype().byteSize();
        try (Arena arena = Arena.ofConfined()) {
            var staging = arena.allocate(Math.max(bytes, 1), 64);
            src.backend().read(src.kernelView(), staging);
            dst.write(staging, out.kernelView());
        } finally {
            if (src != t) src.close();
        }
        Device from = t.device();
        return Node.record(out, "to(" + target + ")", new Tensor[] {t}, new Tensor[0],
                (g, needs) -> new Tensor[] {toDevice(g, from)});
    }
}
