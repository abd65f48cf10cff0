// Temporary dense views for one kernel call (an input copied away from the output it overlaps, a permuted
// copy for a reduction, an output staged before a strided write), released together when the call ends.
package ai.lethe.backend.cpu;

import ai.lethe.backend.HostMemory;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.util.ArrayList;
import java.util.List;

final class TempViews implements AutoCloseable {
    private final HostMemory memory;
    private final CpuMath math;
    private List<Storage> storages;

    TempViews(HostMemory memory, CpuMath math) {
        this.memory = memory;
        this.math = math;
    }

    /** A new contiguous view of {@code shape}, uninitialised. */
    View allocate(DType dtype, long[] shape) {
        Shape s = Shape.of(shape);
        Storage storage = memory.allocate(Math.max(1, s.numel()) * dtype.byteSize());
        if (storages == null) storages = new ArrayList<>(2);
        storages.add(storage);
        return View.contiguous(storage, dtype, s);
    }

    /** A contiguous copy of {@code v}. */
    View copyOf(View v) {
        View t = allocate(v.dtype(), v.shape());
        math.copy(v, t);
        return t;
    }

    /** {@code input} itself, unless it shares memory with {@code out} other than element for element. */
    View separate(View input, View out) {
        if (CpuViews.sameLayout(input, out) || !CpuViews.overlaps(input, out)) return input;
        return copyOf(input);
    }

    @Override public void close() {
        if (storages == null) return;
        for (Storage s : storages) s.release();
        storages = null;
    }
}
