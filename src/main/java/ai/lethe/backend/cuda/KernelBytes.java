// Bytes of device memory the device's kernels have read and written (issue 15's "bytes moved" proxy), as a runtime
// counts them: the emulator exactly, per load and store of each launch, while its byte counting is on (EmulatorBytes);
// a GPU runtime counts none (ZERO). Kernels only: host copies, memsets and GEMMs are not in these counts.
package ai.lethe.backend.cuda;

/** Bytes read and written by kernels; subtract two snapshots for what happened between. */
public record KernelBytes(long read, long written) {
    public static final KernelBytes ZERO = new KernelBytes(0, 0);

    public long total() { return read + written; }

    public KernelBytes minus(KernelBytes earlier) { return new KernelBytes(read - earlier.read, written - earlier.written); }
}
