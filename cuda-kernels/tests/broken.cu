// broken.cu: deliberately broken kernels, the emulator's test cases (EmulatorViolationTest): each one breaks one
// rule of the hardware, and the emulator must refuse it with the kernel's name and the right violation. Built into
// liblethe_cudaemu.so only, never into the production fatbin.
#include "../lethe_device.cuh"

// Out-of-bounds write: thread i writes out[i] for i <= n, one element past the end.
LETHE_KERNEL(broken_oob_write, 256,
             float* out,  // [n]
             long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i <= n) out[i] = 1.0f;
}

// Misaligned float4 load: reads 16 bytes at in + 1 (4-byte aligned only).
LETHE_KERNEL(broken_misaligned_load, 32,
             const float* in,  // [8]
             float* out) {     // [4]
    float4 v = ld_float4(in + 1);
    if (threadIdx.x == 0) {
        out[0] = v.x;
        out[1] = v.y;
        out[2] = v.z;
        out[3] = v.w;
    }
}

// A barrier not all threads reach: the first half of the block returns before __syncthreads.
LETHE_KERNEL(broken_partial_barrier, 256,
             float* out) {  // [blockDim.x]
    if (threadIdx.x < blockDim.x / 2) return;
    out[threadIdx.x] = 1.0f;
    __syncthreads();
    out[threadIdx.x] += 1.0f;
}

// A correct kernel with the hardware's largest launch bound: launched with 2048 threads a block, it must be refused.
LETHE_KERNEL(broken_block_2048, 1024,
             float* out) {  // [blockDim.x * gridDim.x]
    out[blockIdx.x * blockDim.x + threadIdx.x] = 0.0f;
}

// A kernel with a launch bound of 128: launched with 256 threads, it must be refused.
LETHE_KERNEL(broken_over_launch_bound, 128,
             float* out) {  // [blockDim.x]
    out[threadIdx.x] = 0.0f;
}

// Uses as much dynamic shared memory as it is launched with (64 KiB in the test): refused without the opt-in,
// accepted with it. out[0] = the sum of the block's shared words after each thread wrote its own.
LETHE_KERNEL(broken_shared_64k, 256,
             float* out,  // [1]
             int words) {
    LETHE_DYNAMIC_SHARED(float, buf);  // [words]
    for (int i = threadIdx.x; i < words; i += blockDim.x) buf[i] = 1.0f;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int i = 0; i < words; i++) s += buf[i];
        out[0] = s;
    }
}

// Divergent warp operation: only the lower half of each warp reaches a shuffle whose mask names all 32 lanes.
LETHE_KERNEL(broken_warp_divergence, 64,
             float* out) {  // [blockDim.x]
    float v = float(threadIdx.x);
    if (threadIdx.x % 32 < 16) v = __shfl_down_sync(0xffffffffu, v, 1);
    out[threadIdx.x] = v;
}

// Divergent warp operations of different kinds: the lower half-warp shuffles, the upper half votes, both with the
// full mask (on the hardware: undefined; here a fault naming both operations).
LETHE_KERNEL(broken_warp_mixed_ops, 32,
             int* out) {  // [blockDim.x]
    int v;
    if (threadIdx.x < 16) v = __shfl_sync(0xffffffffu, (int)threadIdx.x, 0);
    else v = (int)__ballot_sync(0xffffffffu, 1);
    out[threadIdx.x] = v;
}

// Out-of-bounds write through a pointer the kernel reads from device memory (not one of its arguments): only the
// full guard check finds it (when few allocations are live, or at the next 64th launch).
LETHE_KERNEL(broken_indirect_oob_write, 32,
             const unsigned long long* table,  // [1]: the address of a float buffer of n elements
             long long n) {
    if (threadIdx.x == 0) reinterpret_cast<float*>(table[0])[n] = 1.0f;
}

// Recursion deeper than a fiber stack can hold: each level keeps a 1 KiB local array (volatile: it stays on the
// stack). out[0] = sum over levels d = depth..0 of d, correct for a small depth; a deep one overflows the stack.
static __device__ __noinline__ float broken_recurse(int depth) {
    volatile float local[256];
    for (int i = 0; i < 256; i++) local[i] = float(depth);
    float below = depth > 0 ? broken_recurse(depth - 1) : 0.0f;
    return below + local[depth % 256];
}

LETHE_KERNEL(broken_deep_recursion, 32,
             float* out,  // [1]
             int depth) {
    float v = broken_recurse(depth);
    if (threadIdx.x == 0) out[0] = v;
}

// A local array larger than a fiber stack: 512 KiB in one frame, which always overflows the emulator's 64 KiB
// stacks (-fstack-clash-protection probes the frame page by page: the first probe past the stack hits its guard
// page, not a neighbouring fiber's stack). out[0] = the sum of big[0..words) after big[i] = i.
LETHE_KERNEL(broken_large_local, 32,
             float* out,  // [1]
             int words) {
    volatile float big[128 * 1024];
    if (words > 128 * 1024) words = 128 * 1024;
    for (int i = 0; i < words; i++) big[i] = float(i);
    float s = 0.0f;
    for (int i = 0; i < words; i++) s += big[i];
    if (threadIdx.x == 0) out[0] = s;
}
