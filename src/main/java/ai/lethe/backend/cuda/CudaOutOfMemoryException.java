// Device memory exhausted even after the caching allocator returned its cache: states what was asked for and what
// is in use, so the user can shrink a batch or find a leak.
package ai.lethe.backend.cuda;

/** An allocation the device cannot serve. */
public final class CudaOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;

    public CudaOutOfMemoryException(long requestedBytes, long classBytes, long liveBytes, String device, CudaException cause) {
        super("alloc", "OUT_OF_MEMORY", null, "cannot allocate " + requestedBytes + " bytes (size class " + classBytes
                + ") on " + device + " with " + liveBytes + " bytes live in tensors and the allocator's cache already freed: "
                + cause.getMessage());
        initCause(cause);
        this.requestedBytes = requestedBytes;
    }

    public long requestedBytes() { return requestedBytes; }
}
