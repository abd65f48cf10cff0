// lethe_device.cuh: the one portability header of Lethe's CUDA kernels (cuda-kernels/*.cu).
//
// Under nvcc it is plain CUDA plus a few helpers. Under g++ -x c++ -std=c++20 -DLETHE_EMULATE it maps the CUDA
// device language onto the CPU emulator (cuda-kernels/emu/, built into liblethe_cudaemu.so), so the very same
// kernel sources run on a machine without a GPU, with the hardware's rules enforced.
//
// What a kernel source must use from here (and not the raw CUDA spelling) so that both builds work:
//   LETHE_KERNEL(name, max_threads, params...) { body }
//       declares a kernel: under nvcc extern "C" __global__ __launch_bounds__(max_threads) (an unmangled name for
//       cuModuleGetFunction); under the emulator it also registers the kernel by name with a trampoline that
//       unpacks a cuLaunchKernel-style void** argument array into the typed parameters, and its launch bound.
//   LETHE_DYNAMIC_SHARED(type, name)
//       the block's dynamic shared memory (extern __shared__ type name[] under nvcc; 16-byte aligned).
//   ld_float4/st_float4, ld_float2/st_float2, ld_int4/st_int4
//       8- and 16-byte vector accesses: the emulator checks their alignment (a misaligned vector access is a
//       fault on the hardware; plain reinterpret_cast<float4*> derefs would pass silently on a CPU).
//   Device helpers: `static __device__ __forceinline__` (or `__device__ inline`), so they link in both builds.
// Static __shared__ arrays are written as in CUDA (__shared__ float buf[32];).
//
// Emulation model (see emu/emu_internal.h): a block's threads are fibers on one OS thread, so threadIdx and
// friends are thread_local variables the scheduler sets on every switch, and a static __shared__ array is a
// thread_local static (shared by every fiber of the block, one copy per worker OS thread; blocks on one worker run
// one after the other). On the hardware shared memory starts undefined; here both kinds start as the NaN pattern
// (LETHE_EMU_NAN_BITS) in every block, so a read of shared memory no thread of the block wrote shows: dynamic
// shared memory is filled before every block, and so is the library's whole .tbss section, which holds the static
// __shared__ arrays and nothing else (the emulator's own thread-locals live in .tdata; build.sh checks), unless the
// kernel is declared to use no static shared memory (lethe_emu_set_static_shared, from the ptxas report).
#pragma once

#ifndef LETHE_EMULATE
// ============================================================ nvcc: plain CUDA
#include <cstdint>

#define LETHE_KERNEL(name, max_threads, ...) \
    extern "C" __global__ void __launch_bounds__(max_threads) name(__VA_ARGS__)
#define LETHE_DYNAMIC_SHARED(type, name) extern __shared__ __align__(16) type name[]

static __device__ __forceinline__ float4 ld_float4(const float* p) { return *reinterpret_cast<const float4*>(p); }
static __device__ __forceinline__ void st_float4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }
static __device__ __forceinline__ float2 ld_float2(const float* p) { return *reinterpret_cast<const float2*>(p); }
static __device__ __forceinline__ void st_float2(float* p, float2 v) { *reinterpret_cast<float2*>(p) = v; }
static __device__ __forceinline__ int4 ld_int4(const int* p) { return *reinterpret_cast<const int4*>(p); }
static __device__ __forceinline__ void st_int4(int* p, int4 v) { *reinterpret_cast<int4*>(p) = v; }

#else
// ============================================================ g++ -DLETHE_EMULATE: the CPU emulator
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

// ---- vector and index types (layout as in CUDA's vector_types.h)
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(8) uint2 { unsigned int x, y; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
struct alignas(16) double2 { double x, y; };
struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
};
static inline float2 make_float2(float x, float y) { return {x, y}; }
static inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
static inline int2 make_int2(int x, int y) { return {x, y}; }
static inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
static inline uint2 make_uint2(unsigned x, unsigned y) { return {x, y}; }
static inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
static inline double2 make_double2(double x, double y) { return {x, y}; }

// ---- qualifiers
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static thread_local
#define __constant__
#define __restrict__ __restrict

namespace lethe_emu {

/** One argument-unpacking entry point per kernel: calls the kernel with args[i] as its i-th parameter. */
using Trampoline = void (*)(void* kernel, void** args);

/**
 * Registers a kernel (called by LETHE_KERNEL's static initialiser; defined in emu/launch.cpp): its name, entry,
 * trampoline, launch bound, and the size of each parameter (arity entries), which every launch checks against the
 * sizes of the arguments it is given.
 */
void register_kernel(const char* name, void* kernel, Trampoline trampoline, int max_threads, int arity,
                     const int* param_sizes);

/**
 * Registers the byte-counting twin of the kernel `name` (emu/bytes.cpp): the same source compiled with every global
 * load and store instrumented (LETHE_EMU_BYTES, see build.sh), run instead of the plain kernel while byte counting
 * is on (lethe_emu_set_byte_counting).
 */
void register_counted_kernel(const char* name, void* kernel, Trampoline trampoline, int arity);

// The templates below are instantiated in every kernel file; the byte-counting build (LETHE_EMU_BYTES) compiles them
// instrumented, so its instantiations live in an inline namespace of their own: the linker must never merge an
// instrumented copy with a plain one (either kernel would then run the other's code).
#ifdef LETHE_EMU_BYTES
inline namespace counted {
#else
inline namespace plain {
#endif

template <class... A>
inline constexpr int param_sizes[sizeof...(A) + 1] = {int(sizeof(A))..., 0};

template <class... A, std::size_t... I>
inline void call_unpacked(void (*f)(A...), void** args, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
}
template <class... A>
void trampoline(void* kernel, void** args) {
    call_unpacked(reinterpret_cast<void (*)(A...)>(kernel), args, std::index_sequence_for<A...>{});
}
struct Registrar {
    template <class... A>
    Registrar(const char* name, void (*kernel)(A...), int max_threads) {
        register_kernel(name, reinterpret_cast<void*>(kernel), &trampoline<A...>, max_threads, int(sizeof...(A)),
                        param_sizes<A...>);
    }
};
struct CountedRegistrar {
    template <class... A>
    CountedRegistrar(const char* name, void (*kernel)(A...)) {
        register_counted_kernel(name, reinterpret_cast<void*>(kernel), &trampoline<A...>, int(sizeof...(A)));
    }
};
}  // inline namespace plain / counted

// ---- the running thread's coordinates (set by the scheduler on every fiber switch)
extern thread_local uint3 t_threadIdx;
extern thread_local uint3 t_blockIdx;
extern thread_local dim3 t_blockDim;
extern thread_local dim3 t_gridDim;

/** The block's dynamic shared memory buffer. */
void* dynamic_shared();
/** Block-wide barrier: yields until every thread of the block has arrived; returns how many passed a non-zero
 * predicate (the predicate of __syncthreads_count/_and/_or; plain __syncthreads passes 0). */
int syncthreads(int predicate);

/** Warp operations: one rendezvous of the lanes named in mask (see emu/runtime.cpp). */
enum class WarpOp : int { SYNC = 0, SHFL, SHFL_UP, SHFL_DOWN, SHFL_XOR, BALLOT, ALL, ANY };
std::uint64_t warp_op(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width);

/** Records a fault of the running kernel (kind: see emu/lethe_cudaemu.h) and ends its launch; never returns. */
[[noreturn]] void fault(int kind, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
inline constexpr int FAULT_MISALIGNED = 5;
inline constexpr int FAULT_TRAP = 11;

#ifdef LETHE_EMU_BYTES
inline namespace counted {
#else
inline namespace plain {
#endif
template <std::size_t ALIGN>
inline void check_aligned(const void* p, const char* what) {
    if (reinterpret_cast<std::uintptr_t>(p) % ALIGN != 0)
        fault(FAULT_MISALIGNED, "misaligned %s at %p (needs %zu-byte alignment) in thread (%u,%u,%u) of block (%u,%u,%u)",
              what, p, ALIGN, t_threadIdx.x, t_threadIdx.y, t_threadIdx.z, t_blockIdx.x, t_blockIdx.y, t_blockIdx.z);
}

template <class T>
inline std::uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp operations take values of at most 8 bytes");
    std::uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <class T>
inline T from_bits(std::uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}
template <class T>
inline T atomic_rmw_cas(T* address, T (*op)(T, T), T val) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    U* a = reinterpret_cast<U*>(address);
    U old = __atomic_load_n(a, __ATOMIC_RELAXED);
    for (;;) {
        T o;
        std::memcpy(&o, &old, sizeof(T));
        T n = op(o, val);
        U nb;
        std::memcpy(&nb, &n, sizeof(T));
        if (__atomic_compare_exchange_n(a, &old, nb, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return o;
    }
}
}  // inline namespace plain / counted
}  // namespace lethe_emu

#define threadIdx (::lethe_emu::t_threadIdx)
#define blockIdx (::lethe_emu::t_blockIdx)
#define blockDim (::lethe_emu::t_blockDim)
#define gridDim (::lethe_emu::t_gridDim)
inline constexpr int warpSize = 32;

// Every kernel is compiled twice, for the x86-64 baseline and for x86-64-v3 (AVX2, FMA: fmaf is one instruction
// instead of a libm call, the hot loops of the convolutions keep their accumulators in registers); the loader picks
// by the CPU's features (an ifunc: never by CPU model). Same results either way: -ffp-contract=off and no fast-math,
// so v3 code fuses only the fmaf calls the source makes, as the baseline's libm fmaf computes them exactly.
#define LETHE_EMU_KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#ifndef LETHE_EMU_BYTES
#define LETHE_KERNEL(name, max_threads, ...)                                                      \
    extern "C" LETHE_EMU_KERNEL_CLONES void name(__VA_ARGS__);                                    \
    static ::lethe_emu::Registrar lethe_registrar_##name(#name, &name, (max_threads));            \
    extern "C" LETHE_EMU_KERNEL_CLONES void name(__VA_ARGS__)
#else
// The byte-counting twin (build.sh compiles each kernel file a second time, inside an unnamed namespace, with
// -fsanitize=thread's load/store instrumentation and -DLETHE_EMU_BYTES): a file-local function registered under
// the kernel's name as its twin (emu/bytes.cpp counts what its instrumented accesses touch in device memory).
#define LETHE_KERNEL(name, max_threads, ...)                                                             \
    static void name##_lethe_counted(__VA_ARGS__);                                                       \
    static ::lethe_emu::CountedRegistrar lethe_counted_registrar_##name(#name, &name##_lethe_counted);   \
    static void name##_lethe_counted(__VA_ARGS__)
#endif
#define LETHE_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(::lethe_emu::dynamic_shared())

// ---- barriers, warp shuffles and votes
static inline void __syncthreads() { ::lethe_emu::syncthreads(0); }
static inline int __syncthreads_count(int pred) { return ::lethe_emu::syncthreads(pred != 0); }
static inline int __syncthreads_and(int pred) {
    return ::lethe_emu::syncthreads(pred != 0) == int(blockDim.x * blockDim.y * blockDim.z);
}
static inline int __syncthreads_or(int pred) { return ::lethe_emu::syncthreads(pred != 0) != 0; }
static inline void __syncwarp(unsigned mask = 0xffffffffu) {
    ::lethe_emu::warp_op(::lethe_emu::WarpOp::SYNC, mask, 0, 0, 32);
}
static inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
template <class T>
static inline T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32) {
    return ::lethe_emu::from_bits<T>(::lethe_emu::warp_op(::lethe_emu::WarpOp::SHFL, mask, ::lethe_emu::to_bits(v), src_lane, width));
}
template <class T>
static inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return ::lethe_emu::from_bits<T>(::lethe_emu::warp_op(::lethe_emu::WarpOp::SHFL_UP, mask, ::lethe_emu::to_bits(v), int(delta), width));
}
template <class T>
static inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    return ::lethe_emu::from_bits<T>(::lethe_emu::warp_op(::lethe_emu::WarpOp::SHFL_DOWN, mask, ::lethe_emu::to_bits(v), int(delta), width));
}
template <class T>
static inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    return ::lethe_emu::from_bits<T>(::lethe_emu::warp_op(::lethe_emu::WarpOp::SHFL_XOR, mask, ::lethe_emu::to_bits(v), lane_mask, width));
}
static inline unsigned __ballot_sync(unsigned mask, int pred) {
    return unsigned(::lethe_emu::warp_op(::lethe_emu::WarpOp::BALLOT, mask, pred != 0, 0, 32));
}
static inline int __all_sync(unsigned mask, int pred) {
    return int(::lethe_emu::warp_op(::lethe_emu::WarpOp::ALL, mask, pred != 0, 0, 32));
}
static inline int __any_sync(unsigned mask, int pred) {
    return int(::lethe_emu::warp_op(::lethe_emu::WarpOp::ANY, mask, pred != 0, 0, 32));
}
static inline unsigned __activemask() { return 0xffffffffu; }
[[noreturn]] static inline void __trap() { ::lethe_emu::fault(::lethe_emu::FAULT_TRAP, "__trap() called"); }

// ---- atomics (blocks run concurrently on several OS threads: these are real atomics)
static inline int atomicAdd(int* a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
static inline unsigned atomicAdd(unsigned* a, unsigned v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
static inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
    return __atomic_fetch_add(a, v, __ATOMIC_RELAXED);
}
static inline float atomicAdd(float* a, float v) {
    return ::lethe_emu::atomic_rmw_cas<float>(a, [](float x, float y) { return x + y; }, v);
}
static inline double atomicAdd(double* a, double v) {
    return ::lethe_emu::atomic_rmw_cas<double>(a, [](double x, double y) { return x + y; }, v);
}
static inline int atomicSub(int* a, int v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
static inline unsigned atomicSub(unsigned* a, unsigned v) { return __atomic_fetch_sub(a, v, __ATOMIC_RELAXED); }
static inline int atomicMax(int* a, int v) {
    return ::lethe_emu::atomic_rmw_cas<int>(a, [](int x, int y) { return x > y ? x : y; }, v);
}
static inline unsigned atomicMax(unsigned* a, unsigned v) {
    return ::lethe_emu::atomic_rmw_cas<unsigned>(a, [](unsigned x, unsigned y) { return x > y ? x : y; }, v);
}
static inline int atomicMin(int* a, int v) {
    return ::lethe_emu::atomic_rmw_cas<int>(a, [](int x, int y) { return x < y ? x : y; }, v);
}
static inline unsigned atomicMin(unsigned* a, unsigned v) {
    return ::lethe_emu::atomic_rmw_cas<unsigned>(a, [](unsigned x, unsigned y) { return x < y ? x : y; }, v);
}
static inline int atomicOr(int* a, int v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }
static inline unsigned atomicOr(unsigned* a, unsigned v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }
static inline int atomicAnd(int* a, int v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }
static inline unsigned atomicAnd(unsigned* a, unsigned v) { return __atomic_fetch_and(a, v, __ATOMIC_RELAXED); }
static inline int atomicExch(int* a, int v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
static inline unsigned atomicExch(unsigned* a, unsigned v) { return __atomic_exchange_n(a, v, __ATOMIC_RELAXED); }
static inline float atomicExch(float* a, float v) {
    return ::lethe_emu::atomic_rmw_cas<float>(a, [](float, float y) { return y; }, v);
}
template <class T>
static inline T lethe_atomic_cas(T* a, T compare, T val) {
    __atomic_compare_exchange_n(a, &compare, val, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return compare;  // the old value, as CUDA's atomicCAS returns it
}
static inline int atomicCAS(int* a, int c, int v) { return lethe_atomic_cas(a, c, v); }
static inline unsigned atomicCAS(unsigned* a, unsigned c, unsigned v) { return lethe_atomic_cas(a, c, v); }
static inline unsigned long long atomicCAS(unsigned long long* a, unsigned long long c, unsigned long long v) {
    return lethe_atomic_cas(a, c, v);
}

// ---- math intrinsics (the fast variants are the accurate ones here; parity tolerances cover the hardware's)
// (glibc declares __expf & co. itself, as aliases of expf & co.: macros, not redefinitions)
#define __expf(x) expf(x)
#define __logf(x) logf(x)
#define __log2f(x) log2f(x)
#define __sinf(x) sinf(x)
#define __cosf(x) cosf(x)
#define __tanf(x) tanf(x)
#define __powf(x, y) powf(x, y)
static inline float __fdividef(float a, float b) { return a / b; }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
static inline float __frcp_rn(float x) { return 1.0f / x; }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
static inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : (x == x ? x : 0.0f)); }
static inline int __float_as_int(float x) { int i; std::memcpy(&i, &x, 4); return i; }
static inline unsigned __float_as_uint(float x) { unsigned i; std::memcpy(&i, &x, 4); return i; }
static inline float __int_as_float(int i) { float x; std::memcpy(&x, &i, 4); return x; }
static inline float __uint_as_float(unsigned i) { float x; std::memcpy(&x, &i, 4); return x; }
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(unsigned(x)); }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }
static inline unsigned __brev(unsigned x) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    return __builtin_bswap32(x);
}
static inline unsigned __umulhi(unsigned a, unsigned b) { return unsigned((unsigned long long)a * b >> 32); }
static inline int __mulhi(int a, int b) { return int((long long)a * b >> 32); }
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)((unsigned __int128)a * b >> 64);
}
// conversions: _rn rounds to nearest even (the default rounding mode), _rz truncates
static inline int __float2int_rn(float x) { return int(rintf(x)); }
static inline int __float2int_rz(float x) { return int(x); }
static inline unsigned __float2uint_rn(float x) { return unsigned(rintf(x)); }
static inline float __int2float_rn(int i) { return float(i); }
static inline float __uint2float_rn(unsigned i) { return float(i); }
static inline float __fsqrt_rn(float x) { return sqrtf(x); }
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
static inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
template <class T>
static inline T __ldg(const T* p) { return *p; }

// ---- vector accesses, alignment-checked
static inline float4 ld_float4(const float* p) {
    ::lethe_emu::check_aligned<16>(p, "float4 load");
    float4 v;
    std::memcpy(&v, p, 16);
    return v;
}
static inline void st_float4(float* p, float4 v) {
    ::lethe_emu::check_aligned<16>(p, "float4 store");
    std::memcpy(p, &v, 16);
}
static inline float2 ld_float2(const float* p) {
    ::lethe_emu::check_aligned<8>(p, "float2 load");
    float2 v;
    std::memcpy(&v, p, 8);
    return v;
}
static inline void st_float2(float* p, float2 v) {
    ::lethe_emu::check_aligned<8>(p, "float2 store");
    std::memcpy(p, &v, 8);
}
static inline int4 ld_int4(const int* p) {
    ::lethe_emu::check_aligned<16>(p, "int4 load");
    int4 v;
    std::memcpy(&v, p, 16);
    return v;
}
static inline void st_int4(int* p, int4 v) {
    ::lethe_emu::check_aligned<16>(p, "int4 store");
    std::memcpy(p, &v, 16);
}
#endif
