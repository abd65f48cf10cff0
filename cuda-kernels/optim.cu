// optim.cu: the fused optimizer steps of the Backend SPI (sgdStep, adamStep) over contiguous float32 parameters,
// their state and an optional pruning mask, in ONE pass per parameter: each element is read once and written once.
// Semantics exactly as the ref backend (RefOptim) and native/optim.c: each element's update is computed in double
// and rounded once when stored; where the mask is 0 the parameter and its state become exactly 0 and nothing else
// happens. A null mask (or momentum buffer, when momentum is 0) is a null pointer.
// CPU reference: ai.lethe.backend.ref.RefOptim (CudaOptimParityTest compares with it and with the cpu backend).
//
// Launch: 1-D grid of 1-D blocks (256 threads), any grid size: grid-stride loops over groups of four elements
// (float4 accesses, when every pointer is 16-byte aligned) and then a scalar loop over the n % 4 tail (or over
// everything, for views that are not 16-byte aligned).
#include "lethe_device.cuh"

// Flags of sgd_step_f32 (keep in step with ai.lethe.backend.cuda.CudaOptim).
#define LETHE_SGD_NESTEROV 1
#define LETHE_SGD_MAXIMIZE 2
#define LETHE_SGD_FIRST_STEP 4
// Flags of adam_step_f32.
#define LETHE_ADAM_DECOUPLED 1
#define LETHE_ADAM_MAXIMIZE 2

static __device__ __forceinline__ bool optim_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

static __device__ __forceinline__ float optim_lane(const float4& v, int k) {
    return k == 0 ? v.x : k == 1 ? v.y : k == 2 ? v.z : v.w;
}

static __device__ __forceinline__ void optim_set_lane(float4& v, int k, float x) {
    if (k == 0) v.x = x;
    else if (k == 1) v.y = x;
    else if (k == 2) v.z = x;
    else v.w = x;
}

struct SgdHyper {
    double lr, momentum, dampening, weight_decay, l1;
    int flags;
};

// One element of SGD: w_io (param) and buf_io (momentum buffer, used when momentum != 0) updated from g; keep 0:
// pruned (both become 0, as RefOptim zeroes a given buffer).
static __device__ __forceinline__ void sgd_element(const SgdHyper& h, float& w_io, float g, float& buf_io, bool keep) {
    if (!keep) {
        w_io = 0.0f;
        buf_io = 0.0f;
        return;
    }
    double w = w_io, d = (h.flags & LETHE_SGD_MAXIMIZE) ? -(double)g : (double)g;
    if (h.weight_decay != 0) d += h.weight_decay * w;
    if (h.l1 != 0) d += h.l1 * (double)((w > 0) - (w < 0));
    if (h.momentum != 0) {
        double buf = (h.flags & LETHE_SGD_FIRST_STEP) ? d : h.momentum * (double)buf_io + (1 - h.dampening) * d;
        buf_io = (float)buf;
        d = (h.flags & LETHE_SGD_NESTEROV) ? d + h.momentum * buf : buf;
    }
    w_io = (float)(w - h.lr * d);
}

// Elements [begin, end) of one parameter, thread `first` of `stride` threads: float4 groups (when every pointer is
// 16-byte aligned and begin is a multiple of 4), then a scalar loop over the rest.
static __device__ __forceinline__ void sgd_range(const SgdHyper& h, float* __restrict__ param, const float* __restrict__ grad,
                                                 float* __restrict__ momentum_buffer, const float* __restrict__ mask,
                                                 long long begin, long long end, long long first, long long stride) {
    const bool has_buf = momentum_buffer != nullptr;
    long long done = begin;
    if (begin % 4 == 0 && optim_aligned16(param) && optim_aligned16(grad) && (!has_buf || optim_aligned16(momentum_buffer))
        && (mask == nullptr || optim_aligned16(mask))) {
        long long groups = (end - begin) / 4;
        for (long long q = first; q < groups; q += stride) {
            long long i = begin + 4 * q;
            float4 w = ld_float4(param + i), g = ld_float4(grad + i);
            float4 b = has_buf ? ld_float4(momentum_buffer + i) : make_float4(0, 0, 0, 0);
            float4 m = mask ? ld_float4(mask + i) : make_float4(1, 1, 1, 1);
#pragma unroll
            for (int k = 0; k < 4; k++) {
                float wk = optim_lane(w, k), bk = optim_lane(b, k);
                sgd_element(h, wk, optim_lane(g, k), bk, optim_lane(m, k) != 0.0f);
                optim_set_lane(w, k, wk);
                optim_set_lane(b, k, bk);
            }
            st_float4(param + i, w);
            if (has_buf) st_float4(momentum_buffer + i, b);
        }
        done = begin + groups * 4;
    }
    for (long long i = done + first; i < end; i += stride) {
        float w = param[i], b = has_buf ? momentum_buffer[i] : 0.0f;
        sgd_element(h, w, grad[i], b, mask == nullptr || mask[i] != 0.0f);
        param[i] = w;
        if (has_buf) momentum_buffer[i] = b;
    }
}

// param[i] -= lr d_i, d as SgdParams defines it (momentum, dampening, Nesterov, weight decay, l1, maximize); the
// momentum buffer (may be null when momentum is 0; a given buffer is zeroed where pruned, as RefOptim does) and mask
// (null: no mask) as documented above.
LETHE_KERNEL(sgd_step_f32, 256,
             float* __restrict__ param,            // [n]
             const float* __restrict__ grad,       // [n]
             float* __restrict__ momentum_buffer,  // [n], or null (only when momentum == 0)
             const float* __restrict__ mask,       // [n], or null (no mask)
             long long n, double lr, double momentum, double dampening, double weight_decay, double l1, int flags) {
    const SgdHyper h = {lr, momentum, dampening, weight_decay, l1, flags};
    sgd_range(h, param, grad, momentum_buffer, mask, 0, n, (long long)blockIdx.x * blockDim.x + threadIdx.x,
              (long long)gridDim.x * blockDim.x);
}

// sgd_step_f32 with its hyper-parameters read from device memory (a CUDA graph's step-parameter block, written before
// each launch, so that a captured step replays with a new learning rate or first-step flag):
// hyper = [lr, momentum, dampening, weight_decay, l1, flags] (flags as a double holding the integer).
LETHE_KERNEL(sgd_step_hyper_f32, 256,
             float* __restrict__ param,            // [n]
             const float* __restrict__ grad,       // [n]
             float* __restrict__ momentum_buffer,  // [n], or null (only when momentum == 0)
             const float* __restrict__ mask,       // [n], or null (no mask)
             long long n,
             const double* __restrict__ hyper) {   // [6]
    const SgdHyper h = {hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], (int)hyper[5]};
    sgd_range(h, param, grad, momentum_buffer, mask, 0, n, (long long)blockIdx.x * blockDim.x + threadIdx.x,
              (long long)gridDim.x * blockDim.x);
}

struct AdamHyper {
    double lr, beta1, beta2, eps, weight_decay, step_size, bias2_sqrt;
    int flags;
};

// One element of Adam/AdamW (keep 0: param, exp_avg and exp_avg_sq become 0).
static __device__ __forceinline__ void adam_element(const AdamHyper& h, float& w_io, float gf, float& m_io, float& v_io,
                                                    bool keep) {
    if (!keep) {
        w_io = 0.0f;
        m_io = 0.0f;
        v_io = 0.0f;
        return;
    }
    double w = w_io, g = (h.flags & LETHE_ADAM_MAXIMIZE) ? -(double)gf : (double)gf;
    if (h.weight_decay != 0) {
        if (h.flags & LETHE_ADAM_DECOUPLED) w *= 1 - h.lr * h.weight_decay;
        else g += h.weight_decay * w;
    }
    double m = h.beta1 * (double)m_io + (1 - h.beta1) * g;
    double v = h.beta2 * (double)v_io + (1 - h.beta2) * g * g;
    m_io = (float)m;
    v_io = (float)v;
    w_io = (float)(w - h.step_size * m / (sqrt(v) / h.bias2_sqrt + h.eps));
}

// Elements [begin, end) of one parameter, as sgd_range.
static __device__ __forceinline__ void adam_range(const AdamHyper& h, float* __restrict__ param, const float* __restrict__ grad,
                                                  float* __restrict__ exp_avg, float* __restrict__ exp_avg_sq,
                                                  const float* __restrict__ mask, long long begin, long long end,
                                                  long long first, long long stride) {
    long long done = begin;
    if (begin % 4 == 0 && optim_aligned16(param) && optim_aligned16(grad) && optim_aligned16(exp_avg)
        && optim_aligned16(exp_avg_sq) && (mask == nullptr || optim_aligned16(mask))) {
        long long groups = (end - begin) / 4;
        for (long long q = first; q < groups; q += stride) {
            long long i = begin + 4 * q;
            float4 w = ld_float4(param + i), g = ld_float4(grad + i), m = ld_float4(exp_avg + i), v = ld_float4(exp_avg_sq + i);
            float4 keep = mask ? ld_float4(mask + i) : make_float4(1, 1, 1, 1);
            // not unrolled: four inlined double divisions and square roots, with their slow paths, spill (ptxas)
#pragma unroll 1
            for (int k = 0; k < 4; k++) {
                float wk = optim_lane(w, k), mk = optim_lane(m, k), vk = optim_lane(v, k);
                adam_element(h, wk, optim_lane(g, k), mk, vk, optim_lane(keep, k) != 0.0f);
                optim_set_lane(w, k, wk);
                optim_set_lane(m, k, mk);
                optim_set_lane(v, k, vk);
            }
            st_float4(param + i, w);
            st_float4(exp_avg + i, m);
            st_float4(exp_avg_sq + i, v);
        }
        done = begin + groups * 4;
    }
    for (long long i = done + first; i < end; i += stride) {
        float w = param[i], m = exp_avg[i], v = exp_avg_sq[i];
        adam_element(h, w, grad[i], m, v, mask == nullptr || mask[i] != 0.0f);
        param[i] = w;
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
    }
}

// Adam / AdamW with the bias corrections precomputed on the host: step_size = lr / (1 - beta1^t),
// bias2_sqrt = sqrt(1 - beta2^t) (t the 1-based step).
LETHE_KERNEL(adam_step_f32, 256,
             float* __restrict__ param,       // [n]
             const float* __restrict__ grad,  // [n]
             float* __restrict__ exp_avg,     // [n]
             float* __restrict__ exp_avg_sq,  // [n]
             const float* __restrict__ mask,  // [n], or null (no mask)
             long long n, double lr, double beta1, double beta2, double eps, double weight_decay, double step_size,
             double bias2_sqrt, int flags) {
    const AdamHyper h = {lr, beta1, beta2, eps, weight_decay, step_size, bias2_sqrt, flags};
    adam_range(h, param, grad, exp_avg, exp_avg_sq, mask, 0, n, (long long)blockIdx.x * blockDim.x + threadIdx.x,
               (long long)gridDim.x * blockDim.x);
}

// adam_step_f32 with its hyper-parameters read from device memory (a CUDA graph's step-parameter block: the bias
// corrections change every step): hyper = [lr, beta1, beta2, eps, weight_decay, step_size, bias2_sqrt, flags].
LETHE_KERNEL(adam_step_hyper_f32, 256,
             float* __restrict__ param,       // [n]
             const float* __restrict__ grad,  // [n]
             float* __restrict__ exp_avg,     // [n]
             float* __restrict__ exp_avg_sq,  // [n]
             const float* __restrict__ mask,  // [n], or null (no mask)
             long long n,
             const double* __restrict__ hyper) {  // [8]
    const AdamHyper h = {hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], hyper[5], hyper[6], (int)hyper[7]};
    adam_range(h, param, grad, exp_avg, exp_avg_sq, mask, 0, n, (long long)blockIdx.x * blockDim.x + threadIdx.x,
               (long long)gridDim.x * blockDim.x);
}

// ---- multi-tensor apply: one launch updates many parameters (Backend.sgdStepMulti / adamStepMulti) ---------------
// The launch's table of tensors travels in the kernel's parameters (a struct by value, under 4 KiB, as PyTorch's
// multi_tensor_apply passes its TensorListMetadata): no device array to upload, nothing for a CUDA graph to go stale
// on but the pointers themselves. Each parameter is cut into chunks of OPTIM_MT_CHUNK elements, one block a chunk;
// first_chunk holds the prefix sums of the chunk counts, and block b updates chunk b - first_chunk[t] of the tensor t
// with first_chunk[t] <= b < first_chunk[t + 1] (a binary search over at most OPTIM_MT_MAX entries). More than
// OPTIM_MT_MAX tensors, or more chunks than a grid holds, take further launches (CudaOptim). Elements are updated
// exactly as the per-tensor kernels do (the same sgd_range / adam_range), so results are bit-identical to them.
// Keep OPTIM_MT_MAX, OPTIM_MT_LISTS and OPTIM_MT_CHUNK in step with ai.lethe.backend.cuda.CudaOptim.
#define OPTIM_MT_MAX 64
#define OPTIM_MT_LISTS 5
#define OPTIM_MT_CHUNK 16384

struct OptimTensorTable {
    long long ptr[OPTIM_MT_LISTS][OPTIM_MT_MAX];  // SGD: param, grad, momentum buffer, mask, 0; Adam: param, grad,
                                                   // exp_avg, exp_avg_sq, mask (null pointers: absent)
    long long numel[OPTIM_MT_MAX];
    long long first_chunk[OPTIM_MT_MAX + 1];      // prefix sums of ceil(numel / OPTIM_MT_CHUNK)
    long long count;                              // tensors in this launch
};

// The tensor whose chunks contain block b: the last t < count with first_chunk[t] <= b.
static __device__ __forceinline__ int optim_mt_tensor(const OptimTensorTable& t, long long b) {
    int lo = 0, hi = (int)t.count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (t.first_chunk[mid] <= b) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

// This block's chunk of the table's tensors: the chunk's elements of every list, handed to sgd_range/adam_range.
static __device__ __forceinline__ void sgd_multi(const SgdHyper& h, const OptimTensorTable& table) {
    int t = optim_mt_tensor(table, blockIdx.x);
    long long begin = (blockIdx.x - table.first_chunk[t]) * (long long)OPTIM_MT_CHUNK;
    long long end = begin + OPTIM_MT_CHUNK < table.numel[t] ? begin + OPTIM_MT_CHUNK : table.numel[t];
    sgd_range(h, reinterpret_cast<float*>(table.ptr[0][t]), reinterpret_cast<const float*>(table.ptr[1][t]),
              reinterpret_cast<float*>(table.ptr[2][t]), reinterpret_cast<const float*>(table.ptr[3][t]), begin, end,
              threadIdx.x, blockDim.x);
}

static __device__ __forceinline__ void adam_multi(const AdamHyper& h, const OptimTensorTable& table) {
    int t = optim_mt_tensor(table, blockIdx.x);
    long long begin = (blockIdx.x - table.first_chunk[t]) * (long long)OPTIM_MT_CHUNK;
    long long end = begin + OPTIM_MT_CHUNK < table.numel[t] ? begin + OPTIM_MT_CHUNK : table.numel[t];
    adam_range(h, reinterpret_cast<float*>(table.ptr[0][t]), reinterpret_cast<const float*>(table.ptr[1][t]),
               reinterpret_cast<float*>(table.ptr[2][t]), reinterpret_cast<float*>(table.ptr[3][t]),
               reinterpret_cast<const float*>(table.ptr[4][t]), begin, end, threadIdx.x, blockDim.x);
}

LETHE_KERNEL(sgd_step_multi_f32, 256,
             OptimTensorTable table,  // param [numel_t], grad, momentum buffer (or null), mask (or null) per tensor t
             double lr, double momentum, double dampening, double weight_decay, double l1, int flags) {
    sgd_multi(SgdHyper{lr, momentum, dampening, weight_decay, l1, flags}, table);
}

LETHE_KERNEL(adam_step_multi_f32, 256,
             OptimTensorTable table,  // param [numel_t], grad, exp_avg, exp_avg_sq, mask (or null) per tensor t
             double lr, double beta1, double beta2, double eps, double weight_decay, double step_size, double bias2_sqrt,
             int flags) {
    adam_multi(AdamHyper{lr, beta1, beta2, eps, weight_decay, step_size, bias2_sqrt, flags}, table);
}

// The multi-tensor steps of a captured step (a CUDA graph) with a step-parameter block: the table as above (its
// pointers are what the graph keeps), the scalars read from device memory, so that the graph replays with each step's
// learning rate, first-step flag and bias corrections; hyper as sgd_step_hyper_f32's / adam_step_hyper_f32's (one
// slot per launch, CudaOptim).
LETHE_KERNEL(sgd_step_multi_hyper_f32, 256,
             OptimTensorTable table,              // as sgd_step_multi_f32's
             const double* __restrict__ hyper) {  // [6]: lr, momentum, dampening, weight_decay, l1, flags
    sgd_multi(SgdHyper{hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], (int)hyper[5]}, table);
}

LETHE_KERNEL(adam_step_multi_hyper_f32, 256,
             OptimTensorTable table,              // as adam_step_multi_f32's
             const double* __restrict__ hyper) {  // [8]: lr, beta1, beta2, eps, weight_decay, step_size, bias2_sqrt, flags
    adam_multi(AdamHyper{hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], hyper[5], hyper[6], (int)hyper[7]}, table);
}
