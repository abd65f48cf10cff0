// Element types of tensors. float32 is the working type everywhere; float64 exists on the ref backend for
// gradient checking; int64 holds indices and labels (as in PyTorch). bf16/fp16 are added here when the CUDA
// backend needs them: each kernel dispatches on the dtype and rejects the ones it does not support by name.
package ai.lethe.core;

public enum DType {
    FLOAT32("float32", 4, true),
    FLOAT64("float64", 8, true),
    INT64("int64", 8, false);

    private final String displayName;
    private final int byteSize;
    private final boolean floatingPoint;

    DType(String displayName, int byteSize, boolean floatingPoint) {
        this.displayName = displayName;
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    public boolean isFloatingPoint() { return floatingPoint; }

    @Override public String toString() { return displayName; }
}
