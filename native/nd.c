// nd.c — the strided n-d iteration driver (split of the element range across OpenMP threads, walk of the
// coordinates in row-major order handing contiguous-index runs to a kernel) and per-thread workspaces.
#include "common.h"

#include <omp.h>
#include <stdlib.h>

int nd_init(nd_iter *it, const int64_t *layout, int nops, void *const *base, const int *elem_size) {
    int rank = (int) layout[0];
    if (rank < 1 || rank > LETHE_MAX_RANK || nops < 1 || nops > LETHE_MAX_OPS) return LETHE_ERR_ARG;
    it->rank = rank;
    it->nops = nops;
    for (int d = 0; d < rank; d++) it->shape[d] = layout[1 + d];
    for (int k = 0; k < nops; k++) {
        for (int d = 0; d < rank; d++) it->stride[k][d] = layout[1 + rank * (k + 1) + d];
        it->base[k] = (char *) base[k];
        it->elem_size[k] = elem_size[k];
    }
    return LETHE_OK;
}

int threads_for(int64_t work, int64_t grain) {
    if (work < grain) return 1;
    int max = omp_get_max_threads();
    int64_t by_work = work / (grain / 2 > 0 ? grain / 2 : 1);
    return by_work < max ? (int) (by_work > 1 ? by_work : 1) : max;
}

// Walks elements [start, end) of the row-major order, calling fn on each run along the last dimension.
static void run_range(const nd_iter *it, int64_t start, int64_t end, nd_row_fn fn, const void *ctx) {
    int r = it->rank, nops = it->nops;
    int64_t coord[LETHE_MAX_RANK];
    char *ptr[LETHE_MAX_OPS];
    int64_t step[LETHE_MAX_OPS];
    int64_t rest = start;
    for (int d = r - 1; d >= 0; d--) {
        coord[d] = rest % it->shape[d];
        rest /= it->shape[d];
    }
    for (int k = 0; k < nops; k++) {
        int64_t off = 0;
        for (int d = 0; d < r; d++) off += coord[d] * it->stride[k][d];
        ptr[k] = it->base[k] + off * it->elem_size[k];
        step[k] = it->stride[k][r - 1];
    }
    int64_t inner = it->shape[r - 1];
    for (int64_t pos = start; pos < end;) {
        int64_t len = min_i64(inner - coord[r - 1], end - pos);
        fn(len, ptr, step, ctx);
        pos += len;
        coord[r - 1] += len;
        for (int k = 0; k < nops; k++) ptr[k] += len * it->stride[k][r - 1] * it->elem_size[k];
        for (int d = r - 1; d > 0 && coord[d] == it->shape[d]; d--) {
            coord[d] = 0;
            coord[d - 1]++;
            for (int k = 0; k < nops; k++)
                ptr[k] += (it->stride[k][d - 1] - it->shape[d] * it->stride[k][d]) * it->elem_size[k];
        }
    }
}

void nd_run(const nd_iter *it, nd_row_fn fn, const void *ctx, int64_t grain) {
    int64_t total = 1;
    for (int d = 0; d < it->rank; d++) total *= it->shape[d];
    if (total == 0) return;
    int nthreads = threads_for(total, grain);
    if (nthreads == 1) {
        run_range(it, 0, total, fn, ctx);
        return;
    }
    // several chunks per thread, handed out dynamically: a thread slowed down by another process (2-core
    // machines are often shared) passes its remaining share to the others
    const int64_t chunks = min_i64(8 * nthreads, max_i64(nthreads, total / max_i64(grain / 4, 1)));
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int64_t k = 0; k < chunks; k++) {
        // chunk borders on multiples of 16 elements keep vector loops aligned and cache lines unshared
        int64_t start = (total * k / chunks) & ~(int64_t) 15;
        int64_t end = k == chunks - 1 ? total : (total * (k + 1) / chunks) & ~(int64_t) 15;
        if (start < end) run_range(it, start, end, fn, ctx);
    }
}

// ---- workspaces ------------------------------------------------------------------------------------------

static __thread void *workspace_ptr[WORKSPACE_SLOTS];
static __thread size_t workspace_cap[WORKSPACE_SLOTS];

void *thread_workspace(int slot, size_t bytes) {
    if (slot < 0 || slot >= WORKSPACE_SLOTS) return NULL;
    if (bytes == 0) bytes = 64;
    if (bytes <= workspace_cap[slot]) return workspace_ptr[slot];
    free(workspace_ptr[slot]);
    size_t cap = (bytes + bytes / 4 + 63) & ~(size_t) 63;
    workspace_ptr[slot] = aligned_alloc(64, cap);
    workspace_cap[slot] = workspace_ptr[slot] ? cap : 0;
    return workspace_ptr[slot];
}
