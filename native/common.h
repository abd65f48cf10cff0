// common.h — shared definitions of liblethe_cpu: status codes, dtype codes, the strided n-d iteration
// driver every elementwise kernel runs on, threading thresholds and per-thread workspaces.
//
// Conventions of the exported functions (all `lethe_*`):
//  - every function returns an int status: LETHE_OK (0) or a negative LETHE_ERR_* code;
//  - sizes, strides and offsets are int64 counts of elements (never bytes);
//  - a strided operand set is described by a `layout` array written by Java:
//      layout = { rank, shape[rank], strides of operand 0 [rank], strides of operand 1 [rank], ... }
//    with rank in [1, LETHE_MAX_RANK], every size > 0 (Java skips empty work), stride 0 for broadcasts;
//  - `info` (where a function takes one) is an int64[4] the function fills on error (e.g. the bad index).
#ifndef LETHE_COMMON_H
#define LETHE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define LETHE_EXPORT __attribute__((visibility("default")))

enum {
    LETHE_OK = 0,
    LETHE_ERR_INDEX = -1,    // an index value is out of range; info = { bad index, position, axis, size }
    LETHE_ERR_ARG = -2,      // an argument the Java side should have rejected (dtype, op code, rank)
    LETHE_ERR_NOMEM = -3,    // a workspace allocation failed
    LETHE_ERR_VALUE = -4,    // a data value outside the kernel's domain; info = { position, raw bits, 0, 0 }
};

enum { DT_F32 = 0, DT_F64 = 1, DT_I64 = 2 };

#define LETHE_MAX_RANK 8
#define LETHE_MAX_OPS 4

// Below these element counts a kernel runs on the calling thread only: waking the OpenMP team costs
// microseconds, more than a small memory-bound loop takes.
#define GRAIN_MEMORY 65536      // loads/stores and simple arithmetic
#define GRAIN_MATH 8192         // transcendental functions
#define GRAIN_ROWS 4096         // row-wise kernels (norms, softmax): elements in all rows together

static inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t max_i64(int64_t a, int64_t b) { return a > b ? a : b; }

// ---- strided n-d iteration -------------------------------------------------------------------------

// A set of operands walked together over one shape; strides in elements of each operand's type.
typedef struct {
    int rank;
    int nops;
    int64_t shape[LETHE_MAX_RANK];
    int64_t stride[LETHE_MAX_OPS][LETHE_MAX_RANK];
    int elem_size[LETHE_MAX_OPS];
    char *base[LETHE_MAX_OPS];
} nd_iter;

// One contiguous-index run of `n` elements: ptr[k] is operand k's first element, step[k] its stride in
// elements along the run. Called for every run of a (thread's share of the) iteration space.
typedef void (*nd_row_fn)(int64_t n, char *const *ptr, const int64_t *step, const void *ctx);

// Fills `it` from a Java layout array; returns LETHE_ERR_ARG on a bad rank.
int nd_init(nd_iter *it, const int64_t *layout, int nops, void *const *base, const int *elem_size);

// Runs `fn` over every element, splitting the element range across threads when there are at least
// `grain` elements.
void nd_run(const nd_iter *it, nd_row_fn fn, const void *ctx, int64_t grain);

// ---- workspaces --------------------------------------------------------------------------------------

// A 64-byte aligned buffer of at least `bytes` owned by the calling thread, reused across calls (grown when
// needed, never shrunk). `slot` (0..WORKSPACE_SLOTS-1) selects one of several independent buffers. NULL when
// out of memory. Slots 0..7 belong to the convolutions (conv.h); the per-sample and unlearning kernels use
// the ones below, so that they can call im2col (WS_COL, WS_PLANE) while holding their own buffers.
#define WORKSPACE_SLOTS 12
enum { WS_PER_SAMPLE_PARTIAL = 8, WS_PER_SAMPLE_PRODUCT = 9, WS_HISTOGRAM = 10 };
void *thread_workspace(int slot, size_t bytes);

// ---- matrix products ----------------------------------------------------------------------------------

// c [m, n] = alpha op(a) @ op(b) + beta c (row-major, op = transpose when trans_*), cut into column blocks
// over the OpenMP threads when large. Must not be called from inside a parallel region.
void sgemm_parallel(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                    int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

// The same product on the calling thread only.
void sgemm_serial(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                  int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

// Number of threads a parallel region of `work` units would use, given a per-thread minimum.
int threads_for(int64_t work, int64_t grain);

#endif
