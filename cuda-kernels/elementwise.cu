// elementwise.cu: fill and binary elementwise kernels on contiguous float32 buffers, with 16-byte (float4) accesses
// where every pointer is 16-byte aligned and a scalar tail for the last n % 4 elements (and for unaligned views).
// CPU reference: ai.lethe.backend.cuda tests (ElementwiseKernelTest) compute the same in Java.
//
// Launch: 1-D grid of 1-D blocks (up to 256 threads), any grid size: every kernel walks its range with a grid-stride
// loop, so grid = min(ceil(n / 4 / block), a few waves) is enough.
#include "lethe_device.cuh"

// Binary operations of binary_f32 (keep in step with ai.lethe.backend.cuda.ElementwiseKernels).
#define LETHE_BIN_ADD 0
#define LETHE_BIN_SUB 1
#define LETHE_BIN_MUL 2
#define LETHE_BIN_DIV 3
#define LETHE_BIN_MAX 4
#define LETHE_BIN_MIN 5

static __device__ __forceinline__ bool aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

static __device__ __forceinline__ float apply_binary(int op, float a, float b) {
    switch (op) {
        case LETHE_BIN_ADD: return a + b;
        case LETHE_BIN_SUB: return a - b;
        case LETHE_BIN_MUL: return a * b;
        case LETHE_BIN_DIV: return a / b;
        // NaN-propagating max/min, as the ref and cpu backends (and torch.maximum) do
        case LETHE_BIN_MAX: return (a != a || b != b) ? a + b : (a > b ? a : b);
        default: return (a != a || b != b) ? a + b : (a < b ? a : b);
    }
}

// out[i] = value for i < n.
LETHE_KERNEL(fill_f32, 256,
             float* __restrict__ out,  // [n]
             float value, long long n) {
    long long stride = (long long)gridDim.x * blockDim.x;
    long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(out)) {
        long long groups = n / 4;
        float4 v = make_float4(value, value, value, value);
        for (long long g = first; g < groups; g += stride) st_float4(out + 4 * g, v);
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) out[i] = value;
}

// out[i] = a[i] op b[i] for i < n (op: LETHE_BIN_*). out may alias a or b.
LETHE_KERNEL(binary_f32, 256,
             int op,
             const float* a,  // [n]
             const float* b,  // [n]
             float* out,      // [n]
             long long n) {
    long long stride = (long long)gridDim.x * blockDim.x;
    long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(a) && aligned16(b) && aligned16(out)) {
        long long groups = n / 4;
        for (long long g = first; g < groups; g += stride) {
            float4 x = ld_float4(a + 4 * g), y = ld_float4(b + 4 * g);
            st_float4(out + 4 * g, make_float4(apply_binary(op, x.x, y.x), apply_binary(op, x.y, y.y),
                                               apply_binary(op, x.z, y.z), apply_binary(op, x.w, y.w)));
        }
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) out[i] = apply_binary(op, a[i], b[i]);
}

// out[i] = alpha * x[i] + beta * y[i] for i < n (fmaf: one rounding for beta * y + the product's). out may alias.
LETHE_KERNEL(axpby_f32, 256,
             float* out,      // [n]
             const float* x,  // [n]
             const float* y,  // [n]
             float alpha, float beta, long long n) {
    long long stride = (long long)gridDim.x * blockDim.x;
    long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(x) && aligned16(y) && aligned16(out)) {
        long long groups = n / 4;
        for (long long g = first; g < groups; g += stride) {
            float4 u = ld_float4(x + 4 * g), v = ld_float4(y + 4 * g);
            st_float4(out + 4 * g, make_float4(fmaf(alpha, u.x, beta * v.x), fmaf(alpha, u.y, beta * v.y),
                                               fmaf(alpha, u.z, beta * v.z), fmaf(alpha, u.w, beta * v.w)));
        }
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) out[i] = fmaf(alpha, x[i], beta * y[i]);
}

// ReLU as math.cu's unary RELU: x <= 0 ? 0 : x (NaN stays NaN, unlike fmaxf).
static __device__ __forceinline__ float ew_relu(float x) { return x <= 0.0f ? 0.0f : x; }

// out[i] = max(a[i] + b[i], 0) for i < n: the residual add and ReLU of a ResNet basic block in one pass (Backend.addRelu;
// its gradient is binary RELU_BACKWARD against out). out does not alias a or b.
LETHE_KERNEL(add_relu_f32, 256,
             const float* __restrict__ a,  // [n]
             const float* __restrict__ b,  // [n]
             float* __restrict__ out,      // [n]
             long long n) {
    long long stride = (long long)gridDim.x * blockDim.x;
    long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(a) && aligned16(b) && aligned16(out)) {
        long long groups = n / 4;
        for (long long g = first; g < groups; g += stride) {
            float4 x = ld_float4(a + 4 * g), y = ld_float4(b + 4 * g);
            st_float4(out + 4 * g, make_float4(ew_relu(x.x + y.x), ew_relu(x.y + y.y), ew_relu(x.z + y.z), ew_relu(x.w + y.w)));
        }
        done = groups * 4;
    }
    for (long long i = done + first; i < n; i += stride) out[i] = ew_relu(a[i] + b[i]);
}
