// The CUDA backend on an NVIDIA GPU, device "cuda": CudaBackend over the driver-API runtime (NvidiaRuntime: FFM to
// libcuda.so.1 and cuBLAS, the kernels of cuda-kernels/ from the fatbin in the jar). Registered through ServiceLoader;
// where there is no driver or no GPU it is unavailable with the probe's reason (lethe info shows it).
//
// Until the backend has every SPI op (the test suite's KnownMissing list is empty) its priority is negative: it is
// used only when asked for (--device cuda, -Dlethe.device=cuda, LETHE_DEVICE), never as the default over cpu.
package ai.lethe.backend.cuda;

import ai.lethe.backend.Availability;

public final class CudaGpuBackend extends CudaBackend {
    /** The device name. */
    public static final String NAME = "cuda";
    /** Negative while ops are missing (see the header); DESIGN.md's order cuda > cpu > ref once complete. */
    public static final int PRIORITY = -50;

    /** What ServiceLoader creates. */
    public CudaGpuBackend() {
        super(NAME, PRIORITY, new RuntimeSource() {
            @Override public Availability availability() { return NvidiaRuntime.availability(); }

            @Override public DeviceRuntime open() { return NvidiaRuntime.open(); }
        });
    }
}
