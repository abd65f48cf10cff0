// What Lethe's CUDA backend needs from a device, in one small interface with two implementations: the NVIDIA
// driver through FFM (to come, issue 14) and the CPU emulator of liblethe_cudaemu.so (EmulatedRuntime), which runs
// the same kernels. Device pointers are plain longs (CUdeviceptr). Kernels are launched by name with their
// arguments packed once in Java (KernelArgs), as cuLaunchKernel takes them.
//
// Copies and memsets take a stream and may complete asynchronously on a GPU: host memory handed to them must stay
// valid, and unchanged, until the stream is synchronised. (The emulator completes everything before returning.)
// GEMM and convolution belong here too (issue 14) and are not declared yet.
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;

/** A CUDA device as the backend sees it. Errors are CudaExceptions naming the call (and the kernel). */
public interface DeviceRuntime extends AutoCloseable {
    /** What this runtime runs on, for `lethe info` and messages. */
    String description();

    /** Allocates {@code bytes} (> 0) of device memory, 256-byte aligned; returns its device pointer. */
    long alloc(long bytes);

    /** Frees an allocation returned by {@link #alloc}. */
    void free(long devicePointer);

    void copyHostToDevice(long dst, MemorySegment src, long bytes, Stream stream);

    void copyDeviceToHost(MemorySegment dst, long src, long bytes, Stream stream);

    void copyDeviceToDevice(long dst, long src, long bytes, Stream stream);

    /** Sets {@code count} bytes at dst to the low 8 bits of value. */
    void memset8(long dst, int value, long count, Stream stream);

    /** Sets {@code count} 32-bit words at dst (4-byte aligned) to value. */
    void memset32(long dst, int value, long count, Stream stream);

    /** The kernel's opt-in to more than 48 KiB of dynamic shared memory (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES). */
    void setMaxDynamicSharedMemory(String kernel, int bytes);

    /** Launches the kernel on the stream (cuLaunchKernel). */
    void launch(String kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, Stream stream, KernelArgs args);

    Stream createStream();

    void destroyStream(Stream stream);

    /** Waits until everything queued on the stream has completed; device faults surface here at the latest. */
    void synchronize(Stream stream);

    Event createEvent();

    void destroyEvent(Event event);

    void record(Event event, Stream stream);

    void synchronize(Event event);

    /** Milliseconds between two recorded events. */
    float elapsedMillis(Event start, Event end);

    /** Bytes live and at peak, and live allocations, of this runtime's allocator. */
    MemoryCounters memory();

    /** Kernel launches so far (attempted, in this process). */
    long launches();

    /** Frees every allocation, stream and event this runtime still holds. */
    @Override
    void close();
}
