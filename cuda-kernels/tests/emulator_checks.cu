// emulator_checks.cu: correct kernels that exercise the emulator itself (EmulatorMemoryTest, WarpOperationsTest,
// BarrierTest): reads of unwritten memory and past an allocation's end, every warp operation, and the counting
// barriers. Built into liblethe_cudaemu.so only (named emu_*), never into the production fatbin.
#include "../lethe_device.cuh"

// Reads a buffer nobody wrote (the NaN fill shows it) and copies it: out[i] = in[i].
LETHE_KERNEL(emu_copy_f32, 256,
             const float* in,  // [n]
             float* out,       // [n]
             long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[i];
}

// Reads one element past the end of in (out[0] = in[n]): the guard zone's NaN, and no fault (reads are not caught).
LETHE_KERNEL(emu_read_past_end, 32,
             const float* in,  // [n]
             float* out,       // [1]
             long long n) {
    if (threadIdx.x == 0) out[0] = in[n];
}

// Exercises the warp operations across a 2-D block: out[t] = shfl/up/xor/ballot/all/any results (see the test).
LETHE_KERNEL(emu_warp_ops, 1024,
             int* out) {  // [blockDim.x * blockDim.y, 6]
    int t = threadIdx.y * blockDim.x + threadIdx.x;
    int lane = t % 32;
    int* o = out + 6 * t;
    o[0] = __shfl_sync(0xffffffffu, t, 3);
    o[1] = __shfl_up_sync(0xffffffffu, t, 2);
    o[2] = __shfl_xor_sync(0xffffffffu, t, 5, 16);
    o[3] = (int)__ballot_sync(0xffffffffu, lane % 3 == 0);
    o[4] = __all_sync(0xffffffffu, t >= 0) + 2 * __any_sync(0xffffffffu, lane == 31);
    // a partial mask: the upper 16 lanes shuffle among themselves only
    if (lane >= 16) o[5] = __shfl_down_sync(0xffff0000u, t, 4, 16);
    else o[5] = -1;
}

// In each of two rounds (the second overwrites the first): out[t] = __syncthreads_count(t % 3 == 0),
// out[n + t] = __syncthreads_and(t < n), out[2n + t] = __syncthreads_and(t < n - 1), out[3n + t] =
// __syncthreads_or(t == n - 1), with n = blockDim.x.
LETHE_KERNEL(emu_sync_reductions, 1024,
             int* out) {  // [4 * blockDim.x]
    int t = threadIdx.x, n = blockDim.x;
    for (int round = 0; round < 2; round++) {
        out[t] = __syncthreads_count(t % 3 == 0);
        out[n + t] = __syncthreads_and(t < n);
        out[2 * n + t] = __syncthreads_and(t < n - 1);
        out[3 * n + t] = __syncthreads_or(t == n - 1);
    }
}

// Integer and conversion intrinsics on given inputs (the emulator's definitions vs Java's, IntrinsicsTest):
// out = {__umulhi(a, b), __mulhi(a, b), __popc(a), __clz(a), __brev(a), __ffs(a), __float2int_rn(x),
//        __float2int_rz(x), __float_as_int(x), (int)__umul64hi(a * 2^32 + b, b) }
LETHE_KERNEL(emu_intrinsics, 32,
             int* out,  // [10]
             unsigned a, unsigned b, float x) {
    if (threadIdx.x != 0) return;
    out[0] = (int)__umulhi(a, b);
    out[1] = __mulhi((int)a, (int)b);
    out[2] = __popc(a);
    out[3] = __clz((int)a);
    out[4] = (int)__brev(a);
    out[5] = __ffs((int)a);
    out[6] = __float2int_rn(x);
    out[7] = __float2int_rz(x);
    out[8] = __float_as_int(x);
    out[9] = (int)__umul64hi(((unsigned long long)a << 32) | b, (unsigned long long)b);
}

// Reads dynamic shared memory nobody wrote: out[t] = buf[t] (the emulator fills it with NaN before each block).
LETHE_KERNEL(emu_read_unwritten_shared, 1024,
             float* out) {  // [gridDim.x * blockDim.x]
    LETHE_DYNAMIC_SHARED(float, buf);  // [blockDim.x]
    out[blockIdx.x * blockDim.x + threadIdx.x] = buf[threadIdx.x];
    __syncthreads();
    buf[threadIdx.x] = 1.0f;  // the next block on this worker must not see it
}

// Atomics from every thread of a multi-block grid (blocks run concurrently on several worker threads):
// out_f[0] += 1 (atomicAdd float), out_i[0] = max(id) (atomicMax), out_i[1] = min(-id) (atomicMin), out_i[2] += 1
// by an atomicCAS loop, out_i[3] |= 1 << (id % 31) (atomicOr), out_u[0] += 2 (atomicAdd unsigned long long).
LETHE_KERNEL(emu_atomics, 256,
             float* out_f,               // [1]
             int* out_i,                 // [4]
             unsigned long long* out_u,  // [1]
             int n) {
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= n) return;
    atomicAdd(out_f, 1.0f);
    atomicMax(out_i, id);
    atomicMin(out_i + 1, -id);
    int old = out_i[2], assumed;
    do {
        assumed = old;
        old = atomicCAS(out_i + 2, assumed, assumed + 1);
    } while (old != assumed);
    atomicOr(out_i + 3, 1 << (id % 31));
    atomicAdd(out_u, 2ull);
}

// 8-byte shuffles: out_d[t] = the double of lane t ^ 1, out_l[t] = the long long of lane t + 1 (down by 1).
LETHE_KERNEL(emu_shfl_wide, 32,
             double* out_d,     // [32]
             long long* out_l) {  // [32]
    int t = threadIdx.x;
    double d = 1e300 * (t + 1);
    long long l = (1ll << 40) + t;
    out_d[t] = __shfl_xor_sync(0xffffffffu, d, 1);
    out_l[t] = __shfl_down_sync(0xffffffffu, l, 1);
}

// Every thread writes its coordinates: out[6 * g + 0..5] = threadIdx.xyz, blockIdx.xyz, where g is the thread's
// global linear index (block-major: x fastest, then y, then z, for threads and for blocks).
LETHE_KERNEL(emu_indices, 1024,
             int* out) {  // [gridDim.x * gridDim.y * gridDim.z * blockDim.x * blockDim.y * blockDim.z, 6]
    int block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    int thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    int* o = out + 6 * (block * (blockDim.x * blockDim.y * blockDim.z) + thread);
    o[0] = threadIdx.x;
    o[1] = threadIdx.y;
    o[2] = threadIdx.z;
    o[3] = blockIdx.x;
    o[4] = blockIdx.y;
    o[5] = blockIdx.z;
}

// Reads static shared memory nobody wrote: out[t] = buf[t] (the emulator fills the static __shared__ arrays with
// NaN before each block, as it does dynamic shared memory), then writes it, which the next block must not see.
LETHE_KERNEL(emu_read_unwritten_static_shared, 1024,
             float* out) {  // [gridDim.x * blockDim.x]
    __shared__ float buf[1024];
    out[blockIdx.x * blockDim.x + threadIdx.x] = buf[threadIdx.x];
    __syncthreads();
    buf[threadIdx.x] = 1.0f;
}

// Reads in at arbitrary element offsets, before its start and past its end included: out[i] = in[at[i]] (thread i).
LETHE_KERNEL(emu_read_at, 256,
             const float* in,      // [n] (any n: at[] may point before or past it)
             const long long* at,  // [count]
             float* out,           // [count]
             int count) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) out[i] = in[at[i]];
}

// Does nothing; only EmulatorProfileTest launches it, so its line of the profile counts that test's launches alone.
LETHE_KERNEL(emu_profile_probe, 1024,
             int unused) {
    (void)unused;
}
