// What Lethe's CUDA backend needs from a device, in one small interface with two implementations: the NVIDIA
// driver through FFM (NvidiaRuntime) and the CPU emulator of liblethe_cudaemu.so (EmulatedRuntime), which runs
// the same kernels. Device pointers are plain longs (CUdeviceptr). Kernels are launched by name with their
// arguments packed once in Java (KernelArgs), as cuLaunchKernel takes them.
//
// Copies and memsets take a stream and may complete asynchronously on a GPU: host memory handed to them must stay
// valid, and unchanged, until the stream is synchronised. (The emulator completes everything before returning.)
//
// GEMM (sgemm, sgemmStridedBatched) has ROW-MAJOR semantics, as the rest of Lethe stores matrices: C[m, n] =
// alpha * op(A) op(B) + beta * C, op(A) [m, k] and op(B) [k, n], each matrix row-major with the given leading
// dimension (elements between the starts of consecutive rows of the matrix as stored: A is stored [k, m] when
// transA). A cuBLAS runtime calls its column-major GEMM with the operands swapped (C^T = op(B)^T op(A)^T); the
// emulator calls cblas_sgemm with CblasRowMajor. beta == 0 means C is not read (NaN there does not propagate).
// The precision (ai.lethe.backend.Precision; CudaPrecision has the whole mapping): FP32 exact float32; TF32 float32
// operands rounded to TF32 (a GPU's TF32 tensor cores; the emulator rounds them on the host, ties to even); BF16: A and
// B are packed bfloat16 arrays (2 bytes an element; pointers, leading dimensions and strides count bf16 elements), C
// is float32, accumulation float32 (cublasGemmEx; the emulator widens A and B on the host).
//
// Graphs (stream capture, as the driver's cuStreamBeginCapture .. cuStreamEndCapture, cuGraphInstantiate, cuGraphLaunch):
// between beginCapture(s) and endCapture(s) the launches, memsets, device-to-device copies and GEMMs the capturing
// thread queues on s are recorded into a graph, not run; instantiate makes it launchable, launchGraph runs all of it as
// one launch, update replaces an instantiated graph's arguments with a new capture's (same topology). The legacy default
// stream cannot be captured. While a thread captures, it may not synchronise, copy to or from the host, record or wait
// for events, allocate (except allocDuringCapture, the caching allocator's private pool growing) or launch a graph:
// each is a CudaException CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED naming the call, and it invalidates the capture
// (endCapture then fails with CUDA_ERROR_STREAM_CAPTURE_INVALIDATED). Work queued on a capturing stream by another
// thread is CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD. CaptureRules keeps these rules for both runtimes.
//
// A linear layer's GEMM with its bias (sgemmBias): cuBLASLt's CUBLASLT_EPILOGUE_BIAS on a GPU that has libcublasLt, the
// emulator's GEMM with the bias added on the host before it returns (no kernel), else sgemm then linalg.cu's
// bias_add_rows_f32 kernel; GemmEpilogue's switch (lethe.cuda.gemm-epilogue / LETHE_CUDA_GEMM_EPILOGUE = auto | off)
// forces the composition.
//
// Convolution: the kernels of cuda-kernels/conv.cu run on every runtime; a runtime that has loaded cuDNN
// (libcudnn.so.9) also offers it through the optional cudnn() capability, which CudaNn uses when it supports the
// geometry (ConvRouting: lethe.cuda.conv / LETHE_CUDA_CONV = auto | cudnn | kernels).
package ai.lethe.backend.cuda;

import ai.lethe.backend.Precision;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

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

    /**
     * Row-major C[m, n] = alpha * op(A) op(B) + beta * C on the stream (see the file comment). m, n, k >= 0; lda >=
     * max(1, columns of A as stored), likewise ldb; ldc >= max(1, n). A and B are float32, or bf16 under BF16.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
               float beta, long c, int ldc, Stream stream, Precision precision);

    /**
     * {@code batch} row-major GEMMs as {@link #sgemm}: matrix i of A starts at a + i * strideA elements (likewise B
     * and C). A stride of 0 reuses one matrix of A or B for every product (broadcast); C's matrices must not overlap.
     */
    void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                             long strideA, long b, int ldb, long strideB, float beta, long c, int ldc, long strideC,
                             int batch, Stream stream, Precision precision);

    /**
     * A linear layer's GEMM with the bias in its epilogue, row-major: C[m, n] = op(A) op(B) + bias, the float32 vector
     * bias [n] (contiguous) added to every row of C as the GEMM writes it (C is not read). Operands, leading dimensions
     * and precision as {@link #sgemm} (alpha 1, beta 0); the bias is added in float32 to the float32 product. m, n >= 0,
     * k >= 1. {@code workspace} returns a device pointer to at least the bytes asked, valid in stream order for this
     * call (the backend's caching allocator; called at most once, never for 0 bytes). Returns true when no separate
     * kernel ran for the bias (it went into the GEMM's epilogue), false when a bias kernel was launched after the GEMM.
     * This default is that composition: sgemm, then linalg.cu's bias_add_rows_f32 (C written, read and written again).
     */
    default boolean sgemmBias(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, long bias,
                              long c, int ldc, Stream stream, Precision precision, LongUnaryOperator workspace) {
        sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc, stream, precision);
        if ((long) m * n == 0) return true;
        launch(GemmEpilogue.BIAS_KERNEL, CudaContext.gridFor((long) m * n), Dim3.of(CudaContext.BLOCK), 0, stream,
                new KernelArgs().pointer(c).pointer(bias).i64(m).i64(n).i64(ldc));
        return false;
    }

    /**
     * Whether {@link #sgemmBias} adds the bias in the GEMM's epilogue now (no bias kernel launched), under the
     * lethe.cuda.gemm-epilogue switch (GemmEpilogue). Default: false (the composition).
     */
    default boolean gemmBiasFused() { return false; }

    /** How {@link #sgemmBias} runs and why, for `lethe info` ("cuBLASLt 13.1.0 (libcublasLt.so.13) ..." or the reason not). */
    default String gemmEpilogueStatus() { return "sgemm, then the " + GemmEpilogue.BIAS_KERNEL + " kernel (this runtime has no GEMM epilogue)"; }

    Stream createStream();

    /**
     * A stream that does not synchronise with the legacy default stream (CU_STREAM_NON_BLOCKING): work on it overlaps
     * the default stream's, ordered only by events (waitEvent). Default: createStream().
     */
    default Stream createNonBlockingStream() { return createStream(); }

    void destroyStream(Stream stream);

    /** Waits until everything queued on the stream has completed; device faults surface here at the latest. */
    void synchronize(Stream stream);

    Event createEvent();

    void destroyEvent(Event event);

    void record(Event event, Stream stream);

    void synchronize(Event event);

    /** Milliseconds between two recorded events. */
    float elapsedMillis(Event start, Event end);

    /** Makes later work on {@code stream} wait for the work before the event's last record (cuStreamWaitEvent); no host wait. */
    void waitEvent(Stream stream, Event event);

    // ---- graphs ---------------------------------------------------------------------------------------------

    /** Starts capturing {@code stream} (not Stream.DEFAULT) on the calling thread (see the file comment). */
    void beginCapture(Stream stream);

    /** Ends the capture of {@code stream} begun by this thread and returns its graph (destroy it with destroyGraph). */
    Graph endCapture(Stream stream);

    /** Whether {@code stream} is being captured (by any thread). */
    boolean capturing(Stream stream);

    /** An executable graph of {@code graph} (cuGraphInstantiateWithFlags); the graph may be destroyed afterwards. */
    GraphExec instantiate(Graph graph);

    /**
     * Replaces the arguments of {@code exec}'s operations with those of {@code graph} when both have the same topology
     * (cuGraphExecUpdate) and returns true; returns false, leaving exec unchanged, when they differ.
     */
    boolean update(GraphExec exec, Graph graph);

    /** Launches the whole graph on {@code stream}, in stream order (cuGraphLaunch). */
    void launchGraph(GraphExec exec, Stream stream);

    void destroyGraph(Graph graph);

    void destroyGraphExec(GraphExec exec);

    /** As alloc, also while the calling thread captures: the caching allocator's private pool of a capture growing. */
    long allocDuringCapture(long bytes);

    /** Bytes live and at peak, and live allocations, of this runtime's allocator. */
    MemoryCounters memory();

    /**
     * cuDNN's convolutions on this device, when the runtime has cuDNN (the handle is created on first call); empty
     * otherwise, with the reason in {@link #cudnnStatus()}.
     */
    default Optional<CudnnConvolutions> cudnn() { return Optional.empty(); }

    /** What {@link #cudnn()} offers ("cuDNN 9.19.0 (libcudnn.so.9)") or why it offers nothing ("libcudnn.so.9 not found"). */
    default String cudnnStatus() { return "this runtime has no cuDNN"; }

    /** Kernel launches so far (attempted, in this process). */
    long launches();

    /**
     * Bytes of device memory this runtime's kernels have read and written so far, where the runtime counts them (the
     * emulator while its byte counting is on: EmulatorBytes); KernelBytes.ZERO where it does not (a GPU).
     */
    default KernelBytes kernelBytes() { return KernelBytes.ZERO; }

    /** Frees every allocation, stream and event this runtime still holds. */
    @Override
    void close();
}
