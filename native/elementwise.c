// elementwise.c — unary and binary float32 maps, int64 arithmetic and comparisons, and where, over strided
// operands (broadcasts have stride 0). The output may be the same view as an input (in-place updates):
// every loop reads element i of the inputs before writing element i of the output, and the loops carry
// `ivdep` instead of `restrict` so that in-place use stays vectorised.
//
// Formulas follow the ref backend (RefMath). Ops whose float32 evaluation is not exactly the ref's
// double-precision result rounded once are computed in double (AFFINE, ADD/SUB with a scale, CLAMP, ...)
// or, for the transcendental activations, with the vectorisable float functions of vecmath.h.
#include "common.h"
#include "vecmath.h"

// Keep in the order of ai.lethe.backend.UnaryOp.
enum {
    U_NEG, U_ABS, U_SIGN, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SQUARE, U_RECIPROCAL, U_SIN, U_COS, U_TANH,
    U_SIGMOID, U_RELU, U_GELU_ERF, U_GELU_TANH, U_ERF, U_ERFINV, U_AFFINE, U_POW, U_CLAMP, U_COUNT
};

// Keep in the order of ai.lethe.backend.BinaryOp.
enum {
    B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE,
    B_RELU_BACKWARD, B_GELU_ERF_BACKWARD, B_GELU_TANH_BACKWARD, B_SIGMOID_BACKWARD, B_TANH_BACKWARD,
    B_CLAMP_BACKWARD, B_COUNT
};

#define SQRT_2_OVER_PI 0.79788456080286535588f
#define INV_SQRT_2PI 0.39894228040143267794f
#define GELU_C 0.044715f

typedef struct { int op; double p0, p1; } op_ctx;

// ---- unary ---------------------------------------------------------------------------------------------

// out[i] = EXPR(x) over one run (x: float input element).
#define UNARY_RUN(EXPR)                                                                          \
    do {                                                                                         \
        const float *xp = (const float *) ptr[0];                                                \
        float *op = (float *) ptr[1];                                                            \
        int64_t sx = step[0], so = step[1];                                                      \
        if (sx == 1 && so == 1) {                                                                \
            _Pragma("GCC ivdep") for (int64_t i = 0; i < n; i++) { float x = xp[i]; op[i] = (EXPR); } \
        } else {                                                                                 \
            for (int64_t i = 0; i < n; i++) { float x = xp[i * sx]; op[i * so] = (EXPR); }       \
        }                                                                                        \
    } while (0)

static inline float sign_f32(float x) { return x > 0 ? 1.0f : (x < 0 ? -1.0f : x); }

static void unary_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const op_ctx *c = vctx;
    const double p0 = c->p0, p1 = c->p1;
    switch (c->op) {
        case U_NEG: UNARY_RUN(-x); break;
        case U_ABS: UNARY_RUN(fabsf(x)); break;
        case U_SIGN: UNARY_RUN(sign_f32(x)); break;
        case U_EXP: UNARY_RUN(exp_f32(x)); break;
        case U_LOG: UNARY_RUN(logf(x)); break;
        case U_SQRT: UNARY_RUN(sqrtf(x)); break;
        case U_RSQRT: UNARY_RUN((float) (1.0 / sqrt((double) x))); break;
        case U_SQUARE: UNARY_RUN(x * x); break;
        case U_RECIPROCAL: UNARY_RUN(1.0f / x); break;
        case U_SIN: UNARY_RUN(sinf(x)); break;
        case U_COS: UNARY_RUN(cosf(x)); break;
        case U_TANH: UNARY_RUN(tanh_f32(x)); break;
        case U_SIGMOID: UNARY_RUN(sigmoid_f32(x)); break;
        case U_RELU: UNARY_RUN(x <= 0 ? 0.0f : x); break;
        case U_GELU_ERF: UNARY_RUN(x * normal_cdf_f32(x)); break;
        case U_GELU_TANH: UNARY_RUN(x * sigmoid_f32(2.0f * SQRT_2_OVER_PI * (x + GELU_C * x * x * x))); break;
        case U_ERF: UNARY_RUN(erff(x)); break;
        case U_ERFINV: UNARY_RUN((float) erfinv_f64(x)); break;
        case U_AFFINE: UNARY_RUN((float) ((double) x * p0 + p1)); break;
        case U_POW:
            if (p0 == 2.0) UNARY_RUN(x * x);
            else UNARY_RUN((float) pow((double) x, p0));
            break;
        case U_CLAMP: UNARY_RUN((float) ((double) x < p0 ? p0 : ((double) x > p1 ? p1 : (double) x))); break;
    }
}

static int64_t unary_grain(int op) {
    switch (op) {
        case U_NEG: case U_ABS: case U_SIGN: case U_SQRT: case U_SQUARE: case U_RECIPROCAL: case U_RELU:
        case U_AFFINE: case U_CLAMP:
            return GRAIN_MEMORY;
        default:
            return GRAIN_MATH;
    }
}

// out = op(x; p0, p1), float32; layout = { rank, shape, x strides, out strides }.
LETHE_EXPORT int lethe_unary(int op, const int64_t *layout, const float *x, float *out, double p0, double p1) {
    if (op < 0 || op >= U_COUNT) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[2] = {(void *) x, out};
    int size[2] = {4, 4};
    int st = nd_init(&it, layout, 2, base, size);
    if (st) return st;
    op_ctx c = {op, p0, p1};
    nd_run(&it, unary_run, &c, unary_grain(op));
    return LETHE_OK;
}

// ---- binary --------------------------------------------------------------------------------------------

// out[i] = EXPR(a, b) over one run, with fast loops for dense operands and a scalar (stride 0) operand.
#define BINARY_RUN(IN_T, OUT_T, EXPR)                                                             \
    do {                                                                                          \
        const IN_T *ap = (const IN_T *) ptr[0], *bp = (const IN_T *) ptr[1];                      \
        OUT_T *op = (OUT_T *) ptr[2];                                                             \
        int64_t sa = step[0], sb = step[1], so = step[2];                                         \
        if (sa == 1 && sb == 1 && so == 1) {                                                      \
            _Pragma("GCC ivdep") for (int64_t i = 0; i < n; i++) { IN_T a = ap[i], b = bp[i]; op[i] = (EXPR); } \
        } else if (sa == 1 && sb == 0 && so == 1) {                                               \
            const IN_T b = bp[0];                                                                 \
            _Pragma("GCC ivdep") for (int64_t i = 0; i < n; i++) { IN_T a = ap[i]; op[i] = (EXPR); } \
        } else if (sa == 0 && sb == 1 && so == 1) {                                               \
            const IN_T a = ap[0];                                                                 \
            _Pragma("GCC ivdep") for (int64_t i = 0; i < n; i++) { IN_T b = bp[i]; op[i] = (EXPR); } \
        } else {                                                                                  \
            for (int64_t i = 0; i < n; i++) { IN_T a = ap[i * sa], b = bp[i * sb]; op[i * so] = (EXPR); } \
        }                                                                                         \
    } while (0)

static inline float max_nan_f32(float a, float b) { return a != a || b != b ? a + b : (a > b ? a : b); }

static inline float min_nan_f32(float a, float b) { return a != a || b != b ? a + b : (a < b ? a : b); }

static inline float gelu_erf_grad(float g, float x) {
    float pdf = exp_f32(-0.5f * x * x) * INV_SQRT_2PI;
    return g * (normal_cdf_f32(x) + x * pdf);
}

static inline float gelu_tanh_grad(float g, float x) {
    float t = tanh_f32(SQRT_2_OVER_PI * (x + GELU_C * x * x * x));
    float dinner = SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_C * x * x);
    return g * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * dinner);
}

static void binary_f32_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const op_ctx *c = vctx;
    const double p0 = c->p0, p1 = c->p1;
    switch (c->op) {
        case B_ADD:
            if (p0 == 1.0) BINARY_RUN(float, float, a + b);
            else BINARY_RUN(float, float, (float) ((double) a + p0 * (double) b));
            break;
        case B_SUB:
            if (p0 == 1.0) BINARY_RUN(float, float, a - b);
            else BINARY_RUN(float, float, (float) ((double) a - p0 * (double) b));
            break;
        case B_MUL: BINARY_RUN(float, float, a * b); break;
        case B_DIV: BINARY_RUN(float, float, a / b); break;
        case B_POW: BINARY_RUN(float, float, (float) pow((double) a, (double) b)); break;
        case B_MAXIMUM: BINARY_RUN(float, float, max_nan_f32(a, b)); break;
        case B_MINIMUM: BINARY_RUN(float, float, min_nan_f32(a, b)); break;
        case B_EQ: BINARY_RUN(float, float, a == b ? 1.0f : 0.0f); break;
        case B_NE: BINARY_RUN(float, float, a != b ? 1.0f : 0.0f); break;
        case B_LT: BINARY_RUN(float, float, a < b ? 1.0f : 0.0f); break;
        case B_LE: BINARY_RUN(float, float, a <= b ? 1.0f : 0.0f); break;
        case B_GT: BINARY_RUN(float, float, a > b ? 1.0f : 0.0f); break;
        case B_GE: BINARY_RUN(float, float, a >= b ? 1.0f : 0.0f); break;
        case B_RELU_BACKWARD: BINARY_RUN(float, float, b > 0 ? a : 0.0f); break;
        case B_GELU_ERF_BACKWARD: BINARY_RUN(float, float, gelu_erf_grad(a, b)); break;
        case B_GELU_TANH_BACKWARD: BINARY_RUN(float, float, gelu_tanh_grad(a, b)); break;
        case B_SIGMOID_BACKWARD: BINARY_RUN(float, float, (float) ((double) a * (double) b * (1.0 - (double) b))); break;
        case B_TANH_BACKWARD: BINARY_RUN(float, float, (float) ((double) a * (1.0 - (double) b * (double) b))); break;
        case B_CLAMP_BACKWARD: BINARY_RUN(float, float, (double) b >= p0 && (double) b <= p1 ? a : 0.0f); break;
    }
}

// int64 arithmetic wraps around as Java's does (computed on unsigned values); comparisons give float 1/0.
typedef struct { int op; uint64_t scale; } int_ctx;

static void binary_i64_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const int_ctx *c = vctx;
    const uint64_t scale = c->scale;
    switch (c->op) {
        case B_ADD: BINARY_RUN(int64_t, int64_t, (int64_t) ((uint64_t) a + scale * (uint64_t) b)); break;
        case B_SUB: BINARY_RUN(int64_t, int64_t, (int64_t) ((uint64_t) a - scale * (uint64_t) b)); break;
        case B_MUL: BINARY_RUN(int64_t, int64_t, (int64_t) ((uint64_t) a * (uint64_t) b)); break;
        case B_EQ: BINARY_RUN(int64_t, float, a == b ? 1.0f : 0.0f); break;
        case B_NE: BINARY_RUN(int64_t, float, a != b ? 1.0f : 0.0f); break;
        case B_LT: BINARY_RUN(int64_t, float, a < b ? 1.0f : 0.0f); break;
        case B_LE: BINARY_RUN(int64_t, float, a <= b ? 1.0f : 0.0f); break;
        case B_GT: BINARY_RUN(int64_t, float, a > b ? 1.0f : 0.0f); break;
        case B_GE: BINARY_RUN(int64_t, float, a >= b ? 1.0f : 0.0f); break;
    }
}

static int64_t binary_grain(int op) {
    switch (op) {
        case B_POW: case B_GELU_ERF_BACKWARD: case B_GELU_TANH_BACKWARD: return GRAIN_MATH;
        default: return GRAIN_MEMORY;
    }
}

// out = op(a, b; p0, p1) with float32 a, b, out; layout = { rank, shape, a, b, out strides }.
LETHE_EXPORT int lethe_binary_f32(int op, const int64_t *layout, const float *a, const float *b, float *out,
                                  double p0, double p1) {
    if (op < 0 || op >= B_COUNT) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[3] = {(void *) a, (void *) b, out};
    int size[3] = {4, 4, 4};
    int st = nd_init(&it, layout, 3, base, size);
    if (st) return st;
    op_ctx c = {op, p0, p1};
    nd_run(&it, binary_f32_run, &c, binary_grain(op));
    return LETHE_OK;
}

// out = op(a, b) with int64 a, b: ADD/SUB (scaled by the int64 `scale`) and MUL give int64 out, comparisons
// float32 out; layout = { rank, shape, a, b, out strides }.
LETHE_EXPORT int lethe_binary_i64(int op, const int64_t *layout, const int64_t *a, const int64_t *b, void *out,
                                  int64_t scale) {
    if (op != B_ADD && op != B_SUB && op != B_MUL && (op < B_EQ || op > B_GE)) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[3] = {(void *) a, (void *) b, out};
    int size[3] = {8, 8, op >= B_EQ ? 4 : 8};
    int st = nd_init(&it, layout, 3, base, size);
    if (st) return st;
    int_ctx c = {op, (uint64_t) scale};
    nd_run(&it, binary_i64_run, &c, GRAIN_MEMORY);
    return LETHE_OK;
}

// ---- where ---------------------------------------------------------------------------------------------

#define WHERE_RUN(T)                                                                             \
    do {                                                                                         \
        const float *cp = (const float *) ptr[0];                                                \
        const T *ap = (const T *) ptr[1], *bp = (const T *) ptr[2];                              \
        T *op = (T *) ptr[3];                                                                    \
        int64_t sc = step[0], sa = step[1], sb = step[2], so = step[3];                          \
        if (sc == 1 && sa == 1 && sb == 1 && so == 1) {                                          \
            _Pragma("GCC ivdep") for (int64_t i = 0; i < n; i++) op[i] = cp[i] != 0.0f ? ap[i] : bp[i]; \
        } else {                                                                                 \
            for (int64_t i = 0; i < n; i++) op[i * so] = cp[i * sc] != 0.0f ? ap[i * sa] : bp[i * sb]; \
        }                                                                                        \
    } while (0)

static void where_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    if (*(const int *) vctx == 8) WHERE_RUN(int64_t);
    else WHERE_RUN(float);
}

// out = cond != 0 ? a : b; cond float32, a/b/out of `elem_size` bytes (4: float32, 8: int64);
// layout = { rank, shape, cond, a, b, out strides }.
LETHE_EXPORT int lethe_where(const int64_t *layout, const float *cond, const void *a, const void *b, void *out,
                             int elem_size) {
    if (elem_size != 4 && elem_size != 8) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[4] = {(void *) cond, (void *) a, (void *) b, out};
    int size[4] = {4, elem_size, elem_size, elem_size};
    int st = nd_init(&it, layout, 4, base, size);
    if (st) return st;
    nd_run(&it, where_run, &elem_size, GRAIN_MEMORY);
    return LETHE_OK;
}

// out = max(a + b, 0) over n contiguous float32 elements: a ResNet block's residual add and ReLU in one pass
// (a + b in float32 is the double-precision sum rounded once, as the ref backend computes it).
LETHE_EXPORT int lethe_add_relu_f32(int64_t n, const float *a, const float *b, float *out) {
    if (n < 0) return LETHE_ERR_ARG;
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        const float v = a[i] + b[i];
        out[i] = v <= 0.0f ? 0.0f : v;   // as U_RELU: a NaN stays NaN
    }
    return LETHE_OK;
}
