// math.cu: the Backend SPI's elementwise ops on strided views (strided.cuh): unary and binary float32 maps, int64
// arithmetic and comparisons, where, and Philox random. Views of one launch are coalesced together in Java
// (StridedArg), broadcast dimensions have stride 0, and the output may be the same view as an input (each thread
// reads element i of its inputs before writing element i of the output; any other overlap is copied away first).
//
// Precision: every formula is evaluated in double and rounded to float once, as the ref backend's definition
// (ai.lethe.backend.ref.RefMath) computes it in double, so results match ref to float rounding (the math library's
// double functions are within 2 ulp of double; a float result is then almost always the correctly rounded one).
// CPU reference: RefMath (CudaMathParityTest and the conformance suite compare with it).
//
// Launch: 1-D grid of 1-D blocks (256 threads), any grid size (grid-stride loops).
#include "lethe_device.cuh"
#include "strided.cuh"
#include "philox.cuh"

// Keep in the order of ai.lethe.backend.UnaryOp.
enum LetheUnaryOp {
    LU_NEG, LU_ABS, LU_SIGN, LU_EXP, LU_LOG, LU_SQRT, LU_RSQRT, LU_SQUARE, LU_RECIPROCAL, LU_SIN, LU_COS, LU_TANH,
    LU_SIGMOID, LU_RELU, LU_GELU_ERF, LU_GELU_TANH, LU_ERF, LU_ERFINV, LU_AFFINE, LU_POW, LU_CLAMP
};

// Keep in the order of ai.lethe.backend.BinaryOp.
enum LetheBinaryOp {
    LB_ADD, LB_SUB, LB_MUL, LB_DIV, LB_POW, LB_MAXIMUM, LB_MINIMUM, LB_EQ, LB_NE, LB_LT, LB_LE, LB_GT, LB_GE,
    LB_RELU_BACKWARD, LB_GELU_ERF_BACKWARD, LB_GELU_TANH_BACKWARD, LB_SIGMOID_BACKWARD, LB_TANH_BACKWARD,
    LB_CLAMP_BACKWARD
};

// Keep in step with ai.lethe.backend.RandomKind.
#define LETHE_RANDOM_UNIFORM 0
#define LETHE_RANDOM_NORMAL 1
#define LETHE_RANDOM_BERNOULLI 2

#define LM_SQRT_2_OVER_PI 0.79788456080286535588
#define LM_INV_SQRT_2 0.70710678118654752440
#define LM_INV_SQRT_2PI 0.39894228040143267794
#define LM_GELU_C 0.044715

// The inverse error function in double (as native/vecmath.h's erfinv_f64: Giles' approximation, then three Newton
// steps on erf), since neither glibc nor every CUDA version offers the same erfinv.
static __device__ __forceinline__ double lm_erfinv(double y) {
    if (y != y || y < -1.0 || y > 1.0) return NAN;
    if (y == 1.0) return INFINITY;
    if (y == -1.0) return -INFINITY;
    double w = -log((1.0 - y) * (1.0 + y)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-08;
        p = 3.43273939e-07 + p * w;
        p = -3.5233877e-06 + p * w;
        p = -4.39150654e-06 + p * w;
        p = 0.00021858087 + p * w;
        p = -0.00125372503 + p * w;
        p = -0.00417768164 + p * w;
        p = 0.246640727 + p * w;
        p = 1.50140941 + p * w;
    } else {
        w = sqrt(w) - 3.0;
        p = -0.000200214257;
        p = 0.000100950558 + p * w;
        p = 0.00134934322 + p * w;
        p = -0.00367342844 + p * w;
        p = 0.00573950773 + p * w;
        p = -0.0076224613 + p * w;
        p = 0.00943887047 + p * w;
        p = 1.00167406 + p * w;
        p = 2.83297682 + p * w;
    }
    double x = p * y;
    for (int i = 0; i < 3; i++) x -= (erf(x) - y) / (2.0 * 0.56418958354775628695 * exp(-x * x));
    return x;
}

static __device__ __forceinline__ double lm_unary(int op, double x, double p0, double p1) {
    switch (op) {
        case LU_NEG: return -x;
        case LU_ABS: return fabs(x);
        case LU_SIGN: return x > 0 ? 1.0 : (x < 0 ? -1.0 : x);   // Math.signum: NaN and +-0 unchanged
        case LU_EXP: return exp(x);
        case LU_LOG: return log(x);
        case LU_SQRT: return sqrt(x);
        case LU_RSQRT: return 1.0 / sqrt(x);
        case LU_SQUARE: return x * x;
        case LU_RECIPROCAL: return 1.0 / x;
        case LU_SIN: return sin(x);
        case LU_COS: return cos(x);
        case LU_TANH: return tanh(x);
        case LU_SIGMOID: return 1.0 / (1.0 + exp(-x));
        case LU_RELU: return x <= 0 ? 0.0 : x;   // NaN stays NaN
        case LU_GELU_ERF: return 0.5 * x * (1.0 + erf(x * LM_INV_SQRT_2));
        case LU_GELU_TANH: return 0.5 * x * (1.0 + tanh(LM_SQRT_2_OVER_PI * (x + LM_GELU_C * x * x * x)));
        case LU_ERF: return erf(x);
        case LU_ERFINV: return lm_erfinv(x);
        case LU_AFFINE: return x * p0 + p1;
        case LU_POW: return pow(x, p0);
        default: return x < p0 ? p0 : (x > p1 ? p1 : x);   // LU_CLAMP
    }
}

static __device__ __forceinline__ double lm_binary(int op, double a, double b, double p0, double p1) {
    switch (op) {
        case LB_ADD: return a + p0 * b;
        case LB_SUB: return a - p0 * b;
        case LB_MUL: return a * b;
        case LB_DIV: return a / b;
        case LB_POW: return pow(a, b);
        case LB_MAXIMUM: return (a != a || b != b) ? NAN : (a > b ? a : b);
        case LB_MINIMUM: return (a != a || b != b) ? NAN : (a < b ? a : b);
        case LB_EQ: return a == b ? 1.0 : 0.0;
        case LB_NE: return a != b ? 1.0 : 0.0;
        case LB_LT: return a < b ? 1.0 : 0.0;
        case LB_LE: return a <= b ? 1.0 : 0.0;
        case LB_GT: return a > b ? 1.0 : 0.0;
        case LB_GE: return a >= b ? 1.0 : 0.0;
        case LB_RELU_BACKWARD: return b > 0 ? a : 0.0;
        case LB_GELU_ERF_BACKWARD: {
            double cdf = 0.5 * (1.0 + erf(b * LM_INV_SQRT_2));
            double pdf = exp(-0.5 * b * b) * LM_INV_SQRT_2PI;
            return a * (cdf + b * pdf);
        }
        case LB_GELU_TANH_BACKWARD: {
            double t = tanh(LM_SQRT_2_OVER_PI * (b + LM_GELU_C * b * b * b));
            double dinner = LM_SQRT_2_OVER_PI * (1.0 + 3.0 * LM_GELU_C * b * b);
            return a * (0.5 * (1.0 + t) + 0.5 * b * (1.0 - t * t) * dinner);
        }
        case LB_SIGMOID_BACKWARD: return a * b * (1.0 - b);
        case LB_TANH_BACKWARD: return a * (1.0 - b * b);
        default: return (b >= p0 && b <= p1) ? a : 0.0;   // LB_CLAMP_BACKWARD
    }
}

// A dense view (one dimension of stride 1 after coalescing), and 16-byte alignment: the float4 path of the maps.
static __device__ __forceinline__ bool lm_dense(const StridedView& v) { return v.ndim == 1 && v.strides[0] == 1; }
static __device__ __forceinline__ bool lm_aligned16(const void* p) { return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0; }

// out[ov(i)] = op(x[xv(i)]; p0, p1) for i < n (op: LetheUnaryOp). Dense, 16-byte aligned views go four elements at
// a time (float4 loads and stores) with a scalar tail.
LETHE_KERNEL(unary_f32, 256,
             int op,
             const float* x,  // [xv] (base pointer; the view's offset is in xv)
             StridedView xv,
             float* out,      // [ov]; may be x with xv == ov
             StridedView ov, double p0, double p1, long long n) {
    if (lm_dense(xv) && lm_dense(ov)) {
        const float* xp = x + xv.offset;
        float* o = out + ov.offset;
        long long done = 0;
        if (lm_aligned16(xp) && lm_aligned16(o)) {
            long long groups = n / 4;
            for (long long g = grid_first(); g < groups; g += grid_step()) {
                float4 v = ld_float4(xp + 4 * g);
                st_float4(o + 4 * g, make_float4((float)lm_unary(op, v.x, p0, p1), (float)lm_unary(op, v.y, p0, p1),
                                                 (float)lm_unary(op, v.z, p0, p1), (float)lm_unary(op, v.w, p0, p1)));
            }
            done = groups * 4;
        }
        for (long long i = done + grid_first(); i < n; i += grid_step()) o[i] = (float)lm_unary(op, (double)xp[i], p0, p1);
        return;
    }
    for (long long i = grid_first(); i < n; i += grid_step())
        out[strided_offset(ov, i)] = (float)lm_unary(op, (double)x[strided_offset(xv, i)], p0, p1);
}

// out[ov(i)] = op(a[av(i)], b[bv(i)]; p0, p1) for i < n, float32 operands and output (op: LetheBinaryOp). Dense,
// 16-byte aligned views go four elements at a time with a scalar tail.
LETHE_KERNEL(binary_f32_strided, 256,
             int op,
             const float* a,  // [av]
             StridedView av,
             const float* b,  // [bv]
             StridedView bv,
             float* out,      // [ov]; may be a or b with the same view
             StridedView ov, double p0, double p1, long long n) {
    if (lm_dense(av) && lm_dense(bv) && lm_dense(ov)) {
        const float* ap = a + av.offset;
        const float* bp = b + bv.offset;
        float* o = out + ov.offset;
        long long done = 0;
        if (lm_aligned16(ap) && lm_aligned16(bp) && lm_aligned16(o)) {
            long long groups = n / 4;
            for (long long g = grid_first(); g < groups; g += grid_step()) {
                float4 u = ld_float4(ap + 4 * g), v = ld_float4(bp + 4 * g);
                st_float4(o + 4 * g, make_float4((float)lm_binary(op, u.x, v.x, p0, p1), (float)lm_binary(op, u.y, v.y, p0, p1),
                                                 (float)lm_binary(op, u.z, v.z, p0, p1), (float)lm_binary(op, u.w, v.w, p0, p1)));
            }
            done = groups * 4;
        }
        for (long long i = done + grid_first(); i < n; i += grid_step())
            o[i] = (float)lm_binary(op, (double)ap[i], (double)bp[i], p0, p1);
        return;
    }
    for (long long i = grid_first(); i < n; i += grid_step())
        out[strided_offset(ov, i)] =
            (float)lm_binary(op, (double)a[strided_offset(av, i)], (double)b[strided_offset(bv, i)], p0, p1);
}

// int64 a, b: ADD/SUB (a +- scale * b), MUL wrap around as Java's long arithmetic (computed unsigned) into int64
// out; comparisons write float32 1/0 into out.
LETHE_KERNEL(binary_i64_strided, 256,
             int op,
             const long long* a,  // [av]
             StridedView av,
             const long long* b,  // [bv]
             StridedView bv,
             void* out,           // [ov] int64 (ADD, SUB, MUL) or float32 (comparisons)
             StridedView ov, long long scale, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        long long x = a[strided_offset(av, i)], y = b[strided_offset(bv, i)];
        long long o = strided_offset(ov, i);
        unsigned long long ux = (unsigned long long)x, uy = (unsigned long long)y, us = (unsigned long long)scale;
        switch (op) {
            case LB_ADD: static_cast<long long*>(out)[o] = (long long)(ux + us * uy); break;
            case LB_SUB: static_cast<long long*>(out)[o] = (long long)(ux - us * uy); break;
            case LB_MUL: static_cast<long long*>(out)[o] = (long long)(ux * uy); break;
            case LB_EQ: static_cast<float*>(out)[o] = x == y ? 1.0f : 0.0f; break;
            case LB_NE: static_cast<float*>(out)[o] = x != y ? 1.0f : 0.0f; break;
            case LB_LT: static_cast<float*>(out)[o] = x < y ? 1.0f : 0.0f; break;
            case LB_LE: static_cast<float*>(out)[o] = x <= y ? 1.0f : 0.0f; break;
            case LB_GT: static_cast<float*>(out)[o] = x > y ? 1.0f : 0.0f; break;
            default: static_cast<float*>(out)[o] = x >= y ? 1.0f : 0.0f; break;   // LB_GE
        }
    }
}

// out[ov(i)] = cond[cv(i)] != 0 ? a[av(i)] : b[bv(i)] for i < n; a, b and out hold elements of elem_bytes (4: float32,
// 8: int64), copied bit for bit.
LETHE_KERNEL(where_strided, 256,
             const float* cond,  // [cv]
             StridedView cv,
             const void* a,      // [av] elements of elem_bytes
             StridedView av,
             const void* b,      // [bv] elements of elem_bytes
             StridedView bv,
             void* out,          // [ov] elements of elem_bytes
             StridedView ov, int elem_bytes, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        bool pick_a = cond[strided_offset(cv, i)] != 0.0f;
        long long o = strided_offset(ov, i);
        if (elem_bytes == 8) {
            static_cast<long long*>(out)[o] = pick_a ? static_cast<const long long*>(a)[strided_offset(av, i)]
                                                     : static_cast<const long long*>(b)[strided_offset(bv, i)];
        } else {
            static_cast<float*>(out)[o] = pick_a ? static_cast<const float*>(a)[strided_offset(av, i)]
                                                 : static_cast<const float*>(b)[strided_offset(bv, i)];
        }
    }
}

// out[i] for i < n from the Philox stream (seed, counter), in double and rounded once (kind: LETHE_RANDOM_*):
// UNIFORM a + (b - a) u; BERNOULLI u < a ? 1 : 0 (u = word 2^-24-scaled, word i % 4 of block counter + i / 4);
// NORMAL a + b sqrt(-2 ln u1) cos(2 pi u2) (words 2 (i % 2), 2 (i % 2) + 1 of block counter + i / 2).
LETHE_KERNEL(random_f32, 256,
             float* __restrict__ out,  // [n] contiguous
             int kind, unsigned long long seed, unsigned long long counter, double a, double b, long long n) {
    for (long long i = grid_first(); i < n; i += grid_step()) {
        double v;
        if (kind == LETHE_RANDOM_NORMAL) {
            v = lethe_dadd_rn(a, lethe_dmul_rn(b, philox_normal_at(seed, counter, i)));  // no FMA: Java's rounding
        } else {
            PhiloxWords r = philox_block(seed, counter + (unsigned long long)(i / 4));
            double u = (double)(r.w[i % 4] >> 8) * (1.0 / 16777216.0);
            v = kind == LETHE_RANDOM_UNIFORM ? lethe_dadd_rn(a, lethe_dmul_rn(b - a, u)) : (u < a ? 1.0 : 0.0);
        }
        out[i] = lethe_d2f_rn(v);
    }
}

// The bias-add epilogue of a GEMM fused with GELU (the ViT MLP's fc1 + act; Backend.biasGelu): pre = y + bias (bias
// broadcast over the rows, rounded to float as binary ADD rounds it) and out = GELU(pre) (op LU_GELU_ERF or
// LU_GELU_TANH, computed as unary_f32 computes it), one pass instead of an add and a GELU launch, after a GEMM without
// a bias epilogue (FusedLinear now puts the bias in the GEMM's epilogue, DeviceRuntime.sgemmBias, and runs GELU
// after it, which writes one pass less; this op stays in the SPI for a bias-less GEMM's output). float4
// accesses when cols % 4 == 0 and every pointer is 16-byte aligned, else scalar. pre may be y (in place).
// Each thread keeps one column group's bias in registers over a run of rows (at least 16 when there are enough
// threads: column group tid % groups, rows tid / groups + k * row_groups), so the bias is read about rows / 16 times
// in all rather than once per element (BytesMovedTest: within 1.1x of reading y and bias once, writing pre and out).
template <int V>
static __device__ __forceinline__ void lm_bias_gelu_group(const float* y, const float* bias, float* pre, float* out,
                                                          long long cols, int op, long long group, long long r0,
                                                          long long rows, long long rstep) {
    const long long j = V * group;
    if constexpr (V == 4) {
        float4 b = ld_float4(bias + j);
        for (long long r = r0; r < rows; r += rstep) {
            long long i = r * cols + j;
            float4 v = ld_float4(y + i);
            float4 h = make_float4(v.x + b.x, v.y + b.y, v.z + b.z, v.w + b.w);
            st_float4(pre + i, h);
            st_float4(out + i, make_float4((float)lm_unary(op, h.x, 0, 0), (float)lm_unary(op, h.y, 0, 0),
                                           (float)lm_unary(op, h.z, 0, 0), (float)lm_unary(op, h.w, 0, 0)));
        }
    } else {
        float b = bias[j];
        for (long long r = r0; r < rows; r += rstep) {
            long long i = r * cols + j;
            float h = y[i] + b;
            pre[i] = h;
            out[i] = (float)lm_unary(op, h, 0, 0);
        }
    }
}

template <int V>
static __device__ __forceinline__ void lm_bias_gelu(const float* y, const float* bias, float* pre, float* out,
                                                    long long rows, long long cols, int op) {
    const long long groups = cols / V, threads = grid_step(), tid = grid_first();
    long long row_groups = threads / groups;
    if (row_groups > (rows + 15) / 16) row_groups = (rows + 15) / 16;
    if (row_groups >= 1) {
        if (tid < row_groups * groups)
            lm_bias_gelu_group<V>(y, bias, pre, out, cols, op, tid % groups, tid / groups, rows, row_groups);
    } else {   // fewer threads than column groups: each thread takes every row of its column groups
        for (long long g = tid; g < groups; g += threads) lm_bias_gelu_group<V>(y, bias, pre, out, cols, op, g, 0, rows, 1);
    }
}

LETHE_KERNEL(bias_gelu_f32, 256,
             const float* y,                  // [rows, cols] the GEMM's output
             const float* __restrict__ bias,  // [cols]
             float* pre,                      // [rows, cols] y + bias (may be y)
             float* __restrict__ out,         // [rows, cols] GELU(y + bias)
             long long rows, long long cols, int op) {
    if (cols % 4 == 0 && lm_aligned16(y) && lm_aligned16(bias) && lm_aligned16(pre) && lm_aligned16(out))
        lm_bias_gelu<4>(y, bias, pre, out, rows, cols, op);
    else
        lm_bias_gelu<1>(y, bias, pre, out, rows, cols, op);
}
