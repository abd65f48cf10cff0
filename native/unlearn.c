// unlearn.c — the elementwise and selection kernels of unlearning and pruning, over contiguous float32 arrays:
//   lethe_ssd_dampen        SSD's selection + dampening, one pass over (θ, I_D, I_f), θ updated in place
//   lethe_score_histogram   one radix-select pass: a histogram of some bits of the scores' float keys
//   lethe_mask_from_scores  the 0/1 mask of the scores above a threshold, ties kept in row-major order
// Keys: the bits of a non-negative float, read as an unsigned integer, order the floats (−0 counts as +0);
// negative scores and NaNs have no place in that order and are rejected (LETHE_ERR_VALUE).
#include "common.h"

#include <omp.h>
#include <string.h>

// ---- SSD ----------------------------------------------------------------------------------------------------

// θ[i] *= (iF > α iD) ? min(λ iD / iF, 1) : 1, in double, rounded once (as the ref backend). A NaN importance
// selects nothing; a NaN ratio counts as 1.
LETHE_EXPORT int lethe_ssd_dampen(int64_t n, float *theta, const float *imp_d, const float *imp_f, double alpha,
                                  double lambda) {
#pragma omp parallel for simd schedule(static) if (n >= GRAIN_MEMORY)
    for (int64_t i = 0; i < n; i++) {
        const double d = imp_d[i], f = imp_f[i];
        const double ratio = lambda * d / f;
        const double factor = f > alpha * d ? (ratio < 1 ? ratio : 1.0) : 1.0;
        theta[i] = (float) (theta[i] * factor);
    }
    return LETHE_OK;
}

// ---- radix-select histogram ---------------------------------------------------------------------------------

#define NEGATIVE_ZERO 0x80000000u
#define POSITIVE_INFINITY 0x7F800000u

static inline uint32_t key_of(const float *x) {
    uint32_t k;
    memcpy(&k, x, sizeof k);
    return k == NEGATIVE_ZERO ? 0 : k;
}

// Position of the first negative or NaN score in [i0, i1), or -1.
static int64_t first_bad(const float *scores, int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
        uint32_t k = key_of(scores + i);
        if (k > POSITIVE_INFINITY) return i;
    }
    return -1;
}

// Elements per histogram chunk (chunks are handed to threads dynamically).
#define HISTOGRAM_CHUNK (1 << 16)

// For every element with key >> match_shift == match_value (match_shift 32: every element), counts[(key >> shift)
// & (2^bits - 1)] += 1; counts has 2^bits entries and is accumulated into. Per-thread counts are added at the
// end (integer sums: any order gives the same counts). A negative or NaN score is LETHE_ERR_VALUE with info =
// { its position (the first one), its bits }.
LETHE_EXPORT int lethe_score_histogram(int64_t n, const float *scores, int shift, int bits, int match_shift,
                                       int match_value, int64_t *counts, int64_t *info) {
    if (shift < 0 || bits < 1 || bits > 16 || shift + bits > 32 || match_shift < 0 || match_shift > 32) return LETHE_ERR_ARG;
    const int64_t bins = (int64_t) 1 << bits, chunks = (n + HISTOGRAM_CHUNK - 1) / HISTOGRAM_CHUNK;
    const uint32_t mask = (uint32_t) (bins - 1), match = (uint32_t) match_value;
    const int every = match_shift == 32, by = every ? 0 : match_shift;   // no shift by 32 (undefined in C)
    const int threads = threads_for(n, GRAIN_MEMORY);
    int64_t bad = -1;
    int failed = 0;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        // local: [bins] counts of this thread
        int64_t *local = thread_workspace(WS_HISTOGRAM, (size_t) bins * sizeof(int64_t));
        int64_t my_bad = -1;
        if (local) memset(local, 0, (size_t) bins * sizeof(int64_t));
        else failed = 1;
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < chunks; c++) {
            if (!local || my_bad >= 0) continue;
            const int64_t i0 = c * HISTOGRAM_CHUNK, i1 = min_i64(n, i0 + HISTOGRAM_CHUNK);
            uint32_t worst = 0;
            if (every) {
                for (int64_t i = i0; i < i1; i++) {
                    const uint32_t k = key_of(scores + i);
                    worst = k > worst ? k : worst;
                    local[(k >> shift) & mask]++;
                }
            } else {
                for (int64_t i = i0; i < i1; i++) {
                    const uint32_t k = key_of(scores + i);
                    worst = k > worst ? k : worst;
                    if (k >> by == match) local[(k >> shift) & mask]++;
                }
            }
            if (worst > POSITIVE_INFINITY) my_bad = first_bad(scores, i0, i1);
        }
#pragma omp critical(lethe_histogram)
        {
            if (my_bad >= 0 && (bad < 0 || my_bad < bad)) bad = my_bad;
            if (local)
                for (int64_t b = 0; b < bins; b++) counts[b] += local[b];
        }
    }
    if (failed) return LETHE_ERR_NOMEM;
    if (bad >= 0) {
        // a chunk after the first bad one may have been skipped: the reported one is the first overall
        bad = first_bad(scores, 0, bad + 1);
        uint32_t raw;
        memcpy(&raw, scores + bad, sizeof raw);
        info[0] = bad;
        info[1] = raw;
        return LETHE_ERR_VALUE;
    }
    return LETHE_OK;
}

// ---- mask from scores ---------------------------------------------------------------------------------------

// Most chunks of the mask pass; chunks have at least MASK_CHUNK_MIN elements.
#define MASK_CHUNKS 1024
#define MASK_CHUNK_MIN 16384

// mask[i] = 1 where scores[i] > threshold, and where scores[i] == threshold for the first ties_to_keep such
// elements in index order; 0 elsewhere. *kept = the ties kept. Two passes: the first writes the strict part
// and counts each chunk's ties, a prefix sum then tells each chunk how many ties precede it, and the second
// marks the kept ties of the chunks that have any. Integer counts: the same mask on any number of threads.
LETHE_EXPORT int lethe_mask_from_scores(int64_t n, const float *scores, float *mask, float threshold,
                                        int64_t ties_to_keep, int64_t *kept) {
    const int64_t chunk = max_i64(MASK_CHUNK_MIN, (n + MASK_CHUNKS - 1) / MASK_CHUNKS);
    const int64_t chunks = (n + chunk - 1) / chunk;
    int64_t ties[MASK_CHUNKS];
#pragma omp parallel for schedule(dynamic, 1) if (n >= GRAIN_MEMORY)
    for (int64_t c = 0; c < chunks; c++) {
        const int64_t i0 = c * chunk, i1 = min_i64(n, i0 + chunk);
        int64_t t = 0;
#pragma omp simd reduction(+ : t)
        for (int64_t i = i0; i < i1; i++) {
            const float s = scores[i];
            mask[i] = s > threshold ? 1.0f : 0.0f;
            t += s == threshold;
        }
        ties[c] = t;
    }
    int64_t before = 0;
    for (int64_t c = 0; c < chunks; c++) {   // ties[c] becomes the ties before chunk c
        const int64_t t = ties[c];
        ties[c] = before;
        before += t;
    }
    const int64_t keep = min_i64(before, max_i64(0, ties_to_keep));
#pragma omp parallel for schedule(dynamic, 1) if (n >= GRAIN_MEMORY && keep > 0)
    for (int64_t c = 0; c < chunks; c++) {
        int64_t seen = ties[c];
        if (seen >= keep || (c + 1 < chunks && ties[c + 1] == seen)) continue;   // past the quota, or no ties here
        for (int64_t i = c * chunk, i1 = min_i64(n, i + chunk); i < i1 && seen < keep; i++)
            if (scores[i] == threshold) {
                mask[i] = 1.0f;
                seen++;
            }
    }
    *kept = keep;
    return LETHE_OK;
}
