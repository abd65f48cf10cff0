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
// score_histogram_f32 (-0 counts as +0; a negative or NaN score is counted nowhere and reported).
//
// Launches: topk_histogram_f32 min(chunks, 512) blocks of 256 threads walking the chunks grid-stride, with
// 2^bits * 4 bytes of dynamic shared memory when use_shared; topk_mask_strict_f32 and topk_mask_ties_f32 one
// block of 256 threads per chunk (chunk a multiple of 256); mask_tie_scan one block of 256 threads.
#include "lethe_device.cuh"

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

// *a = min(*a, v), atomically.
static __device__ __forceinline__ void topk_atomic_min_ull(unsigned long long* a, unsigned long long v) {
    unsigned long long old = atomicCAS(a, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull);   // an atomic read
    while (v < old) {
        unsigned long long seen = atomicCAS(a, old, v);
        if (seen == old) break;
        old = seen;
    }
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
    const unsigned int bins = 1u << bits, mask = bins - 1u;
    if (use_shared) {
        for (unsigned int b = threadIdx.x; b < bins; b += blockDim.x) local[b] = 0;
        __syncthreads();
    }
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x) {
        const int t = topk_tensor_of(table, tensors, c);
        const long long* row = table + (long long)t * LETHE_TOPK_COLUMNS;
        const float* scores = reinterpret_cast<const float*>(row[0]);
        const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
        for (long long i = begin + threadIdx.x; i < end; i += blockDim.x) {
            unsigned int key = __float_as_uint(scores[i]);
            if (key == 0x80000000u) key = 0;
            if (key > 0x7F800000u) {
                topk_atomic_min_ull(bad, (unsigned long long)(row[3] + i));
                continue;
            }
            if (match_shift == 32 || (key >> match_shift) == match_value) {
                unsigned int b = (key >> shift) & mask;
                if (use_shared) atomicAdd(&local[b], 1u);
                else atomicAdd(&counts[b], 1ull);
            }
        }
    }
    if (use_shared) {
        __syncthreads();
        for (unsigned int b = threadIdx.x; b < bins; b += blockDim.x)
            if (local[b] != 0) atomicAdd(&counts[b], (unsigned long long)local[b]);
    }
}

// Pass 1, one block per chunk: mask[i] = scores[i] > threshold, and ties[c] = the number of scores == threshold in
// chunk c.
LETHE_KERNEL(topk_mask_strict_f32, 256,
             const long long* __restrict__ table,  // [tensors, 5]
             int tensors, float threshold, long long chunk,
             long long* __restrict__ ties) {       // [chunks + 1] (entry c written by block c)
    const long long c = blockIdx.x;
    const long long* row = table + (long long)topk_tensor_of(table, tensors, c) * LETHE_TOPK_COLUMNS;
    const float* scores = reinterpret_cast<const float*>(row[0]);
    float* mask = reinterpret_cast<float*>(row[1]);
    const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
    long long count = 0;
    for (long long base = begin; base < end; base += blockDim.x) {
        long long i = base + threadIdx.x;
        int tie = 0;
        if (i < end) {
            float s = scores[i];
            mask[i] = s > threshold ? 1.0f : 0.0f;
            tie = s == threshold;
        }
        count += __syncthreads_count(tie);
    }
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
    const long long c = blockIdx.x;
    const long long keep = min(ties[chunks], ties_to_keep);
    long long seen = ties[c];
    if (seen >= keep || ties[c + 1] == seen) return;   // past the budget, or no ties here (the whole block returns)
    const long long* row = table + (long long)topk_tensor_of(table, tensors, c) * LETHE_TOPK_COLUMNS;
    const float* scores = reinterpret_cast<const float*>(row[0]);
    float* mask = reinterpret_cast<float*>(row[1]);
    const long long n = row[2], begin = (c - row[4]) * chunk, end = min(n, begin + chunk);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (long long base = begin; base < end; base += blockDim.x) {
        long long i = base + threadIdx.x;
        bool tie = i < end && scores[i] == threshold;
        unsigned int ballot = __ballot_sync(0xffffffffu, tie);
        if (lane == 0) topk_warp_ties[warp] = __popc(ballot);
        __syncthreads();
        long long before = 0, total = 0;
        for (int w = 0; w < warps; w++) {
            if (w < warp) before += topk_warp_ties[w];
            total += topk_warp_ties[w];
        }
        long long rank = seen + before + __popc(ballot & ((1u << lane) - 1u));
        if (tie && rank < keep) mask[i] = 1.0f;
        seen += total;
        __syncthreads();
    }
}
