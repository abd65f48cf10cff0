// copy.c — strided copy with dtype conversion between float32, float64 and int64, and fill, with the ref
// backend's conversion rules: float -> int64 truncates toward zero the way Java's (long) cast does (NaN -> 0,
// saturating at the int64 range); int64 -> float32 rounds through double, as Java's (float) (double) does.
#include "common.h"

#include <string.h>

// Java's (long) d.
static inline int64_t java_long_of(double d) {
    if (d != d) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t) d;
}

static int dtype_size(int dt) { return dt == DT_F32 ? 4 : 8; }

typedef struct { int src, dst; } copy_ctx;

// One run: dst[i * step1] = convert(src[i * step0]).
#define COPY_RUN(SRC_T, DST_T, CONVERT)                                           \
    do {                                                                          \
        const SRC_T *s = (const SRC_T *) ptr[0];                                  \
        DST_T *d = (DST_T *) ptr[1];                                              \
        int64_t ss = step[0], ds = step[1];                                       \
        if (ss == 1 && ds == 1) {                                                 \
            for (int64_t i = 0; i < n; i++) { SRC_T v = s[i]; d[i] = CONVERT; }   \
        } else {                                                                  \
            for (int64_t i = 0; i < n; i++) { SRC_T v = s[i * ss]; d[i * ds] = CONVERT; } \
        }                                                                         \
    } while (0)

static void copy_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const copy_ctx *c = vctx;
    if (c->src == c->dst && step[0] == 1 && step[1] == 1) {
        memcpy(ptr[1], ptr[0], (size_t) n * dtype_size(c->src));
        return;
    }
    switch (c->src * 3 + c->dst) {
        case DT_F32 * 3 + DT_F32: COPY_RUN(float, float, v); break;
        case DT_F32 * 3 + DT_F64: COPY_RUN(float, double, (double) v); break;
        case DT_F32 * 3 + DT_I64: COPY_RUN(float, int64_t, java_long_of(v)); break;
        case DT_F64 * 3 + DT_F32: COPY_RUN(double, float, (float) v); break;
        case DT_F64 * 3 + DT_F64: COPY_RUN(double, double, v); break;
        case DT_F64 * 3 + DT_I64: COPY_RUN(double, int64_t, java_long_of(v)); break;
        case DT_I64 * 3 + DT_F32: COPY_RUN(int64_t, float, (float) (double) v); break;
        case DT_I64 * 3 + DT_F64: COPY_RUN(int64_t, double, (double) v); break;
        case DT_I64 * 3 + DT_I64: COPY_RUN(int64_t, int64_t, v); break;
    }
}

// dst = src converted; layout = { rank, shape, src strides, dst strides }. src and dst do not overlap.
LETHE_EXPORT int lethe_copy(const int64_t *layout, const void *src, int src_dtype, void *dst, int dst_dtype) {
    if (src_dtype < 0 || src_dtype > 2 || dst_dtype < 0 || dst_dtype > 2) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[2] = {(void *) src, dst};
    int size[2] = {dtype_size(src_dtype), dtype_size(dst_dtype)};
    int st = nd_init(&it, layout, 2, base, size);
    if (st) return st;
    copy_ctx c = {src_dtype, dst_dtype};
    nd_run(&it, copy_run, &c, GRAIN_MEMORY);
    return LETHE_OK;
}

typedef struct { int dtype; float f32; double f64; int64_t i64; } fill_ctx;

#define FILL_RUN(T, VALUE)                                                          \
    do {                                                                            \
        T *d = (T *) ptr[0];                                                        \
        T v = (VALUE);                                                              \
        if (step[0] == 1) for (int64_t i = 0; i < n; i++) d[i] = v;                 \
        else for (int64_t i = 0; i < n; i++) d[i * step[0]] = v;                    \
    } while (0)

static void fill_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const fill_ctx *c = vctx;
    switch (c->dtype) {
        case DT_F32: FILL_RUN(float, c->f32); break;
        case DT_F64: FILL_RUN(double, c->f64); break;
        default: FILL_RUN(int64_t, c->i64); break;
    }
}

// Every element of dst = value (rounded to float32, or cast to int64 as Java's (long)); layout = { rank,
// shape, dst strides }.
LETHE_EXPORT int lethe_fill(const int64_t *layout, void *dst, int dtype, double value) {
    if (dtype < 0 || dtype > 2) return LETHE_ERR_ARG;
    nd_iter it;
    void *base[1] = {dst};
    int size[1] = {dtype_size(dtype)};
    int st = nd_init(&it, layout, 1, base, size);
    if (st) return st;
    fill_ctx c = {dtype, (float) value, value, java_long_of(value)};
    nd_run(&it, fill_run, &c, GRAIN_MEMORY);
    return LETHE_OK;
}
