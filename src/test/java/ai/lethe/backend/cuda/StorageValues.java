// Host values in and out of a backend's storage for the CUDA tests: a whole-storage 1-D view, doubles packed as
// a dtype's host array, and a storage's first n elements read back as doubles.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Storage;
import ai.lethe.backend.View;
import ai.lethe.core.DType;
import java.lang.foreign.MemorySegment;

final class StorageValues {
    private StorageValues() {}

    /** The 1-D contiguous view of the first n elements of s. */
    static View whole(Storage s, DType dtype, long n) { return new View(s, dtype, 0, new long[] {n}, new long[] {1}); }

    /** v as a host array of dtype (float32 rounded, int64 truncated). */
    static MemorySegment hostOf(DType dtype, double[] v) {
        return switch (dtype) {
            case FLOAT32 -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                yield MemorySegment.ofArray(f);
            }
            case FLOAT64 -> MemorySegment.ofArray(v.clone());
            case INT64 -> {
                long[] l = new long[v.length];
                for (int i = 0; i < v.length; i++) l[i] = (long) v[i];
                yield MemorySegment.ofArray(l);
            }
        };
    }

    /** The first n elements of s, read through b, as doubles. */
    static double[] contents(Backend b, Storage s, DType dtype, int n) {
        double[] out = new double[n];
        switch (dtype) {
            case FLOAT32 -> {
                float[] f = new float[n];
                b.read(whole(s, dtype, n), MemorySegment.ofArray(f));
                for (int i = 0; i < n; i++) out[i] = f[i];
            }
            case FLOAT64 -> b.read(whole(s, dtype, n), MemorySegment.ofArray(out));
            case INT64 -> {
                long[] l = new long[n];
                b.read(whole(s, dtype, n), MemorySegment.ofArray(l));
                for (int i = 0; i < n; i++) out[i] = l[i];
            }
        }
        return out;
    }
}
