// score_select.cuh: the chunk bodies of the top-k selection that unlearn.cu's single-tensor kernels
// (score_histogram_f32, mask_strict_f32, mask_ties_f32) and topk.cu's multi-tensor ones (topk_histogram_f32,
// topk_mask_strict_f32, topk_mask_ties_f32) share: one definition each, so the two families cannot drift apart. The
// kernels differ only in how a block finds its scores (one tensor, or a table of tensors laid end to end) and what
// position a bad score reports; everything a score or a chunk goes through is here.
//
// Keys: a score's float bits, -0 counted as +0; a negative or NaN score (key > +inf's) is counted nowhere and its
// position goes into *bad (the smallest such position: *bad starts at ~0).
#pragma once
#include "lethe_device.cuh"

// *a = min(*a, v), atomically.
static __device__ __forceinline__ void select_atomic_min_ull(unsigned long long* a, unsigned long long v) {
    unsigned long long old = atomicCAS(a, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull);   // an atomic read
    while (v < old) {
        unsigned long long seen = atomicCAS(a, old, v);
        if (seen == old) break;
        old = seen;
    }
}

// The radix-select histogram of one kernel launch: with use_shared a block-local histogram of 2^bits unsigned ints
// (the kernel's dynamic shared memory), added to counts at the end; otherwise atomics on counts directly.
struct SelectHistogram {
    unsigned int* local;             // [2^bits] when use_shared
    unsigned long long* counts;      // [2^bits], accumulated into
    unsigned long long* bad;         // [1]
    int shift, match_shift, use_shared;
    unsigned int bins, mask, match_value;
};

// Zeroes the block-local histogram (every thread of the block calls it).
static __device__ __forceinline__ void select_histogram_begin(const SelectHistogram& h) {
    if (h.use_shared) {
        for (unsigned int b = threadIdx.x; b < h.bins; b += blockDim.x) h.local[b] = 0;
        __syncthreads();
    }
}

// Counts one score whose key has key >> match_shift == match_value (match_shift 32: every score) in bin
// (key >> shift) & (2^bits - 1); a bad score reports `position`.
static __device__ __forceinline__ void select_histogram_add(const SelectHistogram& h, float score,
                                                            unsigned long long position) {
    unsigned int key = __float_as_uint(score);
    if (key == 0x80000000u) key = 0;
    if (key > 0x7F800000u) {
        select_atomic_min_ull(h.bad, position);
        return;
    }
    if (h.match_shift == 32 || (key >> h.match_shift) == h.match_value) {
        unsigned int b = (key >> h.shift) & h.mask;
        if (h.use_shared) atomicAdd(&h.local[b], 1u);
        else atomicAdd(&h.counts[b], 1ull);
    }
}

// Adds the block-local histogram to counts (every thread of the block calls it).
static __device__ __forceinline__ void select_histogram_end(const SelectHistogram& h) {
    if (h.use_shared) {
        __syncthreads();
        for (unsigned int b = threadIdx.x; b < h.bins; b += blockDim.x)
            if (h.local[b] != 0) atomicAdd(&h.counts[b], (unsigned long long)h.local[b]);
    }
}

// Pass 1 over one chunk [begin, end) of one tensor, by the whole block: mask[i] = scores[i] > threshold; returns the
// number of scores == threshold in the chunk (every thread gets it).
static __device__ __forceinline__ long long select_mask_strict_chunk(const float* __restrict__ scores,
                                                                     float* __restrict__ mask, long long begin,
                                                                     long long end, float threshold) {
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
    return count;
}

// Pass 3's budget for chunk c, read once by thread 0 into head (shared, 3 entries): the quota min(total ties,
// ties_to_keep), the ties before chunk c and the ties before chunk c + 1 (ties: pass 2's exclusive prefix sum, then
// the total at [chunks]). Every thread of the block calls it; it returns whether the chunk keeps any tie (false: past
// the quota, or no ties here — the whole block may return).
static __device__ __forceinline__ bool select_ties_head(const long long* __restrict__ ties, long long c, long long chunks,
                                                        long long ties_to_keep, long long* head) {
    if (threadIdx.x == 0) {
        head[0] = min(ties[chunks], ties_to_keep);
        head[1] = ties[c];
        head[2] = ties[c + 1];
    }
    __syncthreads();
    return head[1] < head[0] && head[2] != head[1];
}

// Pass 3 over one chunk [begin, end) of one tensor, by the whole block (blockDim a multiple of 32), after
// select_ties_head said it keeps ties: the ties whose rank over all scores (head[1] ties come before this chunk) is
// below the quota head[0] get mask 1. Ranks within a chunk: warp ballots, then the warps' counts in order (warp_ties:
// shared, 32 entries).
static __device__ __forceinline__ void select_mask_ties_chunk(const float* __restrict__ scores, float* __restrict__ mask,
                                                              long long begin, long long end, float threshold,
                                                              const long long* head, int* warp_ties) {
    const long long keep = head[0];
    long long seen = head[1];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    for (long long base = begin; base < end; base += blockDim.x) {
        long long i = base + threadIdx.x;
        bool tie = i < end && scores[i] == threshold;
        unsigned int ballot = __ballot_sync(0xffffffffu, tie);
        if (lane == 0) warp_ties[warp] = __popc(ballot);
        __syncthreads();
        long long before = 0, total = 0;
        for (int w = 0; w < warps; w++) {
            if (w < warp) before += warp_ties[w];
            total += warp_ties[w];
        }
        long long rank = seen + before + __popc(ballot & ((1u << lane) - 1u));
        if (tie && rank < keep) mask[i] = 1.0f;
        seen += total;
        __syncthreads();
    }
}
