// The operands of one CUDA op whose kernels take contiguous float32 buffers (the optimizer and unlearning kernels):
// checks the dtype (float32 only, as on the cpu backend; float64 lives on ref), hands out device pointers, and
// stages what the kernels cannot take as it lies — a strided view, or an input that shares memory with an output
// other than element for element — through contiguous temporaries: an input copied in, an output copied in and,
// by finish(), copied back. close() releases the temporaries (try-with-resources; finish() first on success).
package ai.lethe.backend.cuda;

import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.util.ArrayList;
import java.util.List;

final class DenseFloat32 implements AutoCloseable {
    private final CudaContext context;
    private final String op;
    private final CudaTemps temps;
    private final List<View> outputs = new ArrayList<>(3);
    private final List<View[]> copyBack = new ArrayList<>(3);

    DenseFloat32(CudaContext context, String op) {
        this.context = context;
        this.op = op;
        this.temps = context.temps();
    }

    /** An IllegalArgumentException naming the op unless every non-null view is float32. */
    static void require(String op, View... views) {
        for (View v : views)
            if (v != null && v.dtype() != DType.FLOAT32)
                throw new IllegalArgumentException(op + ": " + v.dtype() + " is not supported on cuda (expected float32"
                        + (v.dtype() == DType.FLOAT64 ? "; float64 is supported only on the ref backend)" : ")"));
    }

    /** The pointer of an output updated in place (read and written); 0 for null. Declare outputs before inputs. */
    long output(View v) {
        if (v == null) return 0;
        outputs.add(v);
        if (v.isContiguous()) return context.elementPointer(op, v);
        View t = temps.copyOf(v);
        copyBack.add(new View[] {t, v});
        return context.elementPointer(op, t);
    }

    /** The pointer of a read-only input (0 for null): itself, or a contiguous copy. */
    long input(View v) {
        if (v == null) return 0;
        boolean separate = true;
        for (View o : outputs) separate &= CudaContext.sameLayout(v, o) || !CudaContext.overlaps(v, o);
        return context.elementPointer(op, v.isContiguous() && separate ? v : temps.copyOf(v));
    }

    /** Copies the staged outputs back (call once the kernels are queued). */
    void finish() {
        for (View[] p : copyBack) context.copy(p[0], p[1]);
        copyBack.clear();
    }

    @Override public void close() { temps.close(); }
}
