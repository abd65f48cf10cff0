// Temporary device views for one op (an input copied away from the output it overlaps, a contiguous staging copy),
// released together when the op ends: their blocks go back to the allocator's cache for the same stream, where
// stream order keeps the next user behind the kernels that still read them.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.util.ArrayList;
import java.util.List;

/** Temporaries of one op (try-with-resources). */
public final class CudaTemps implements AutoCloseable {
    private final CudaContext context;
    private List<Storage> storages;

    CudaTemps(CudaContext context) { this.context = context; }

    /** A new contiguous view of {@code shape}, uninitialised (NaN in the emulator). */
    public View allocate(DType dtype, long[] shape) {
        Shape s = Shape.of(shape);
        Storage storage = context.allocate(Math.max(1, s.numel()) * dtype.byteSize());
        if (storages == null) storages = new ArrayList<>(2);
        storages.add(storage);
        return View.contiguous(storage, dtype, s);
    }

    /** A contiguous copy of v. */
    public View copyOf(View v) {
        View t = allocate(v.dtype(), v.shape());
        context.copy(v, t);
        return t;
    }

    /** v itself when contiguous, else a contiguous copy. */
    public View contiguous(View v) { return v.isContiguous() ? v : copyOf(v); }

    /** input itself, unless it shares memory with out other than element for element (then a copy). */
    public View separate(View input, View out) {
        if (CudaContext.sameLayout(input, out) || !CudaContext.overlaps(input, out)) return input;
        return copyOf(input);
    }

    @Override public void close() {
        if (storages == null) return;
        for (Storage s : storages) s.release();
        storages = null;
    }
}
