// A failed device call: names the call, the error (a CUDA error name on a GPU, the violated rule in the
// emulator) and, for launches, the kernel.
package ai.lethe.backend.cuda;

/** A device runtime error. */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final String errorName;
    private final String kernel;

    /**
     * @param call      the runtime call that failed (e.g. launch, memcpyHostToDevice)
     * @param errorName the error's name (CUDA_ERROR_... or the emulator's violation)
     * @param kernel    the kernel, for a launch (else null)
     * @param detail    the device's own message
     */
    public CudaException(String call, String errorName, String kernel, String detail) {
        super(call + (kernel != null ? " of kernel " + kernel : "") + " failed: " + errorName + ": " + detail);
        this.call = call;
        this.errorName = errorName;
        this.kernel = kernel;
    }

    public String call() { return call; }

    public String errorName() { return errorName; }

    /** The kernel a failed launch named, or null when the call was not a launch. */
    public String kernel() { return kernel; }
}
