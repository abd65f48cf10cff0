// topk.cu: global top-k over many score tensors in one launch per pass (Backend.scoreHistograms and
// Backend.masksFromScores), float32:
//   topk_histogram_f32    one radix-select pass over the float keys of every tensor, into one device histogram
//   topk_mask_strict_f32  mask = score > threshold for every tensor, and the ties of each chunk counted
//   (unlearn.cu's mask_tie_scan turns the chunks' tie counts into an exclusive prefix sum over all tensors)
//   topk_mask_ties_f32    the ties whose rank over all tensors (list order, then flat index) is below the budget
// The tensors are laid end to end as one virtual array and cut into chunks of `chunk` scores that never straddle
// two tensors. A table in device memory describes them (ai.lethe.backend.cuda.CudaTopK uploads it with an async
// copy, no synchronisation):
//   table [tensors, 5] int64: scores pointer, mask pointer (0 for a histogram), n, first element (the tensor's
//   offset in the virtual array), first chunk (the chunks of the tensors before it; an empty tensor has none).
// A block finds the tensor of its chunk by binary search over the first-chunk column (tensors in list order, so
// the column is non-decreasing); every thread of a block works on the same chunk, so the search is block-uniform.
// Semantics exactly as the ref backend (ai.lethe.backend.ref.RefTopK); the same keys as unlearn.cu's
// score_histogram_f32 (-0 counts as +0; a negative or NaN score is counted nowhere and reported). What a score and a
// chunk go through is score_select.cuh's, shared with unlearn.cu's single-tensor kernels; only the way a block finds
// its tensor (the table) is this file's.
//
// Launches: topk_histogram_f32 min(chunks, 512) blocks of 256 threads walking the chunks grid-stride, with
// 2^bits * 4 bytes of dynamic shared memory when use_shared; topk_mask_strict_f32 and topk_mask_ties_f32 one
// block of 256 threads per chunk (chunk a multiple of 256); mask_tie_scan one block of 256 threads.
#include "lethe_device.cuh"
#include "score_select.cuh"

#define LETHE_TOPK_COLUMNS 5

// The tensor whose chunks include chunk c: the last t with first_chunk[t] <= c (empty tensors share their first
// chunk with the next tensor, so the last such t is the non-empty one).
static __device__ __forceinline__ int topk_tensor_of(const long long* __restrict__ table, int tensors, long long c) {
    int lo = 0, hi = tensors - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (table[(long long)mid * LETHE_TOPK_COLUMNS + 4] <= c) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

// For every score of every tensor whose key has key >> match_shift == match_value (match_shift 32: every score),
// counts[(key >> shift) & (2^bits - 1)] += 1. A negative or NaN score is counted nowhere and its position in the
// virtual array goes into *bad (the smallest such position; *bad starts at ~0). use_shared: a block-local
// histogram of 2^bits unsigned ints in dynamic shared memory, added to counts at the end; otherwise atomics on
// counts directly.
LETHE_KERNEL(topk_histogram_f32, 256,
             const long long* __restrict__ table,      // [tensors, 5]
             int tensors, long long chunks, long long chunk,
             int shift, int bits, int match_shift, unsigned int match_value, int use_shared,
             unsigned long long* __restrict__ counts,  // [2^bits], accumulated into
             unsigned long long* __restrict__ bad) {   // [1]: the first bad position, or ~0
    LETHE_DYNAMIC_SHARED(unsigned int, local);   // [2^bits] when use_shared
    const SelectHistogram h = {local, counts, bad, shift, match_shift, use_shared, 1u << bits, (1u << bits) - 1u, match_value};
    select_histogram_begin(h);
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x) {
        const long long* row = table + (long long)topk_tensor_of(table, tensors, c) * LETHE_TOPK_COLUMNS;
        const float* scores = reinterpret_cast<const float*>(row[0]);
        const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
        for (long long i = begin + threadIdx.x; i < end; i += blockDim.x)
            select_histogram_add(h, scores[i], (unsigned long long)(row[3] + i));
    }
    select_histogram_end(h);
}

// Pass 1, one block per chunk: mask[i] = scores[i] > threshold, and ties[c] = the number of scores == threshold in
// chunk c.
LETHE_KERNEL(topk_mask_strict_f32, 256,
             const long long* __restrict__ table,  // [tensors, 5]
             int tensors, float threshold, long long chunk,
             long long* __restrict__ ties) {       // [chunks + 1] (entry c written by block c)
    const long long c = blockIdx.x;
    const long long* row = table + (long long)topk_tensor_of(table, tensors, c) * LETHE_TOPK_COLUMNS;
    const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
    const long long count = select_mask_strict_chunk(reinterpret_cast<const float*>(row[0]),
                                                     reinterpret_cast<float*>(row[1]), begin, end, threshold);
    if (threadIdx.x == 0) ties[c] = count;
}

// Pass 2 is unlearn.cu's mask_tie_scan (the same exclusive prefix sum over the chunks' tie counts, plus the total):
// the chunks of all tensors are numbered as one sequence, so the single-tensor scan serves them unchanged.

// Pass 3, one block per chunk (blockDim a multiple of 32): the ties of chunk c whose rank over all tensors is below
// keep = min(total, ties_to_keep) get mask 1. Ranks within a chunk: warp ballots, then the warps' counts in order.
LETHE_KERNEL(topk_mask_ties_f32, 256,
             const long long* __restrict__ table,  // [tensors, 5]
             int tensors, float threshold, long long chunk,
             const long long* __restrict__ ties,   // [chunks + 1]: exclusive prefix, then the total
             long long chunks, long long ties_to_keep) {
    __shared__ int topk_warp_ties[32];
    __shared__ long long topk_head[3];   // the quota, ties before this chunk, ties before the next (select_ties_head)
    const long long c = blockIdx.x;
    if (!select_ties_head(ties, c, chunks, ties_to_keep, topk_head)) return;   // the whole block returns
    const long long* row = table + (long long)topk_tensor_of(table, tensors, c) * LETHE_TOPK_COLUMNS;
    const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
    select_mask_ties_chunk(reinterpret_cast<const float*>(row[0]), reinterpret_cast<float*>(row[1]), begin, end,
                           threshold, topk_head, topk_warp_ties);
}
