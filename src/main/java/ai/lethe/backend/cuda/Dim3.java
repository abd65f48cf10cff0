// A CUDA grid or block shape (x, y, z), each at least 1; the limits are the device's to enforce.
package ai.lethe.backend.cuda;

/** Grid or block dimensions of a kernel launch. */
public record Dim3(int x, int y, int z) {
    public Dim3 {
        if (x < 1 || y < 1 || z < 1)
            throw new IllegalArgumentException("Dim3: every dimension must be at least 1, got (" + x + ", " + y + ", " + z + ")");
    }

    public static Dim3 of(int x) { return new Dim3(x, 1, 1); }

    public static Dim3 of(int x, int y) { return new Dim3(x, y, 1); }

    /** The number of elements (threads of a block, blocks of a grid). */
    public long count() { return (long) x * y * z; }

    @Override
    public String toString() { return "(" + x + "," + y + "," + z + ")"; }
}
