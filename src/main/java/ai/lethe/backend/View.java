// What a kernel reads or writes: a strided window (shape, strides and offset in elements) on a storage.
// Views are made by the tensor layer; backends never see Tensor objects, only these.
package ai.lethe.backend;

import ai.lethe.core.DType;
import ai.lethe.core.Shape;
import java.util.Arrays;

/**
 * @param storage memory the window is on
 * @param dtype   element type of the window
 * @param offset  index of element [0, 0, ...] in elements of {@code dtype} from the start of the storage
 * @param shape   sizes per dimension (do not mutate)
 * @param strides step per dimension in elements; 0 for broadcast (expanded) dimensions (do not mutate)
 */
public record View(Storage storage, DType dtype, long offset, long[] shape, long[] strides) {

    public View {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("view: shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
    }

    /** A contiguous window over a whole storage. */
    public static View contiguous(Storage storage, DType dtype, Shape shape) {
        return new View(storage, dtype, 0, shape.dims(), shape.contiguousStrides());
    }

    public int rank() { return shape.length; }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long dim(int i) { return shape[i]; }

    public long stride(int i) { return strides[i]; }

    /** True when the elements are dense in row-major order (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Byte offset of element [0, 0, ...] in the storage. */
    public long byteOffset() { return offset * dtype.byteSize(); }

    /** The same window seen with another shape, valid only for contiguous views. */
    public View reshaped(long... newShape) {
        if (!isContiguous()) throw new IllegalStateException("reshaped: view is not contiguous");
        return new View(storage, dtype, offset, newShape, Shape.of(newShape).contiguousStrides());
    }

    @Override public String toString() {
        return "View" + Arrays.toString(shape) + dtype + " strides " + Arrays.toString(strides) + " +" + offset;
    }
}
