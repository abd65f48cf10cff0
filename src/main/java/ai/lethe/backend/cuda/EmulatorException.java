// An error of the CUDA emulator (liblethe_cudaemu.so): which of the hardware's rules was broken, by which kernel.
package ai.lethe.backend.cuda;

/** A CudaException raised by EmulatedRuntime, with the emulator's classification of the fault. */
public final class EmulatorException extends CudaException {
    private static final long serialVersionUID = 1L;

    /** The emulator's error codes (cuda-kernels/emu/lethe_cudaemu.h, LETHE_EMU_ERR_*), in code order from 1. */
    public enum Violation {
        /** No kernel of that name. */
        NOT_FOUND,
        /** A block of 0 or more than 1,024 threads, or more than the kernel's launch bound. */
        BLOCK_SIZE,
        /** A grid dimension outside x < 2^31, y, z <= 65,535. */
        GRID,
        /** Shared memory over 48 KiB without the kernel's opt-in, or over 227 KiB, or over its opt-in. */
        SHARED_MEMORY,
        /** A vector access at an address not a multiple of its size. */
        MISALIGNED,
        /** A write into an allocation's guard zone. */
        OUT_OF_BOUNDS,
        /** Threads exited while others waited at __syncthreads (a barrier not all threads reach). */
        BARRIER,
        /** Lanes of a warp operation's mask did not all reach it. */
        WARP_DIVERGENCE,
        /** A bad argument: a pointer not in any allocation, a range past its end, an unknown handle. */
        INVALID_VALUE,
        OUT_OF_MEMORY,
        /** The kernel called __trap(). */
        TRAP,
        /** The arguments do not match the kernel's parameters: their count or a size. */
        ARGUMENTS,
        /** A kernel thread overflowed its fiber stack (deep recursion or large local arrays). */
        STACK_OVERFLOW,
        /** A code this build does not know. */
        UNKNOWN;

        static Violation of(int code) {
            Violation[] all = values();
            return code >= 1 && code < all.length ? all[code - 1] : UNKNOWN;
        }
    }

    private final Violation violation;

    public EmulatorException(String call, Violation violation, String kernel, String detail) {
        super(call, violation.name(), kernel, detail);
        this.violation = violation;
    }

    public Violation violation() { return violation; }
}
