// bytes.cpp: the emulator's count of the bytes each kernel reads and writes in device memory (issue 15's "bytes
// moved" proxy; DeviceCounters.bytesRead/bytesWritten on the Java side).
//
// How it is exact: build.sh compiles every production kernel file a second time, with GCC's -fsanitize=thread
// instrumentation and -DLETHE_EMU_BYTES, into a byte-counting twin of each kernel (lethe_device.cuh's LETHE_KERNEL,
// registered here by register_counted_kernel). That instrumentation calls __tsan_readN / __tsan_writeN (N = 1, 2, 4, 8,
// 16) before every load and store the compiled kernel performs, and __tsan_atomic* in place of every atomic; no
// runtime library is linked: this file defines those entry points. Each call classifies the address: inside a device
// allocation (lethe_emu_malloc's, snapshotted when the counted launch starts) its N bytes are counted as read or
// written; anything else (the kernel's locals, shared memory, the launch's argument buffer) is not device memory and
// is not counted. An atomic read-modify-write counts its size read and written (a float atomicAdd, which the
// emulator does as a load and a compare-and-swap loop, counts both of those). So a launch's count is the bytes of
// global memory its instructions request, as compiled for the CPU from the same source: a float4 load is 16 bytes,
// a value loaded twice is counted twice, a value in a register is not reloaded. It is not a cache model: a GPU may
// serve a repeated load from L1/L2, and pays whole 32-byte sectors for scattered accesses; so the count is an upper
// bound of a coalesced kernel's DRAM traffic, and a kernel whose count is within 1.1x of the bytes its inputs and
// outputs must move (BytesMovedTest) moves no more than that on the hardware either.
//
// While byte counting is on (lethe_emu_set_byte_counting), a launch runs the kernel's twin instead of the plain kernel
// (same results: the same source, the same arithmetic); kernels without a twin (the emulator's test kernels) run
// plain and are counted as uncounted launches. The twins are slower (a call per access), so counting is off by default.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "../lethe_device.cuh"
#include "emu_internal.h"

namespace lethe_emu {
namespace {

struct Twin {
    void* fn;
    Trampoline trampoline;
    int arity;
};

std::mutex twins_mutex;
std::map<std::string, Twin>& twins() {
    static std::map<std::string, Twin> t;
    return t;
}

std::atomic<bool> counting_on{false};

// The counted launch in progress (launches are serialised by launch.cpp): the device allocations as sorted
// [begin, end) ranges, an epoch that invalidates every thread's caches, and the launch's totals.
std::vector<std::pair<std::uintptr_t, std::uintptr_t>> ranges;
std::atomic<std::uint64_t> epoch{0};
std::atomic<bool> active{false};
std::atomic<std::uint64_t> launch_read{0}, launch_written{0};

// totals over every counted launch
std::atomic<std::uint64_t> total_read{0}, total_written{0}, counted_launches{0}, uncounted_launches{0};

/** Per OS thread: the last device ranges hit (4, round robin), the last gap missed, and counts not yet added. */
struct Tls {
    std::uint64_t epoch;
    std::uintptr_t hit_lo[4], hit_len[4];
    std::uintptr_t miss_lo, miss_len;
    unsigned next;
    std::uint64_t read, written;
};
LETHE_EMU_TLS Tls tls;

void slow(Tls& t, std::uintptr_t a, unsigned size, bool write) {
    if (t.epoch != epoch.load(std::memory_order_relaxed)) {
        std::memset(&t, 0, sizeof t);
        t.epoch = epoch.load(std::memory_order_relaxed);
    }
    if (!active.load(std::memory_order_relaxed)) return;
    auto it = std::upper_bound(ranges.begin(), ranges.end(), std::make_pair(a, UINTPTR_MAX));
    std::uintptr_t gap_lo = 0, gap_hi = UINTPTR_MAX;
    if (it != ranges.begin()) {
        auto prev = std::prev(it);
        if (a < prev->second) {
            unsigned slot = t.next++ % 4;
            t.hit_lo[slot] = prev->first;
            t.hit_len[slot] = prev->second - prev->first;
            (write ? t.written : t.read) += size;
            return;
        }
        gap_lo = prev->second;
    }
    if (it != ranges.end()) gap_hi = it->first;
    t.miss_lo = gap_lo;
    t.miss_len = gap_hi - gap_lo;
}

inline void count(const volatile void* p, unsigned size, bool write) {
    Tls& t = tls;
    auto a = reinterpret_cast<std::uintptr_t>(p);
    if (t.epoch == epoch.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 4; i++)
            if (a - t.hit_lo[i] < t.hit_len[i]) {
                (write ? t.written : t.read) += size;
                return;
            }
        if (a - t.miss_lo < t.miss_len) return;
    }
    slow(t, a, size, write);
}

}  // namespace

void register_counted_kernel(const char* name, void* kernel, Trampoline trampoline, int arity) {
    std::lock_guard<std::mutex> lock(twins_mutex);
    twins()[name] = Twin{kernel, trampoline, arity};
}

bool bytes_twin(const char* name, int arity, void** fn, Trampoline* trampoline) {
    if (!counting_on.load()) return false;
    std::lock_guard<std::mutex> lock(twins_mutex);
    auto it = twins().find(name);
    if (it == twins().end() || it->second.arity != arity) {
        uncounted_launches++;
        return false;
    }
    *fn = it->second.fn;
    *trampoline = it->second.trampoline;
    return true;
}

void bytes_begin() {
    device_ranges(&ranges);
    launch_read = 0;
    launch_written = 0;
    epoch++;
    active = true;
}

void bytes_flush() {
    Tls& t = tls;
    if (t.read) launch_read += t.read;
    if (t.written) launch_written += t.written;
    t.read = t.written = 0;
}

void bytes_end(std::uint64_t* read, std::uint64_t* written) {
    active = false;
    epoch++;
    *read = launch_read.load();
    *written = launch_written.load();
    total_read += *read;
    total_written += *written;
    counted_launches++;
}

}  // namespace lethe_emu

using namespace lethe_emu;

LETHE_EMU_API int lethe_emu_set_byte_counting(int on) {
    counting_on = on != 0;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_byte_counting(void) { return counting_on.load() ? 1 : 0; }

LETHE_EMU_API int lethe_emu_counted_kernel_count(void) {
    std::lock_guard<std::mutex> lock(twins_mutex);
    return int(twins().size());
}

LETHE_EMU_API void lethe_emu_bytes(uint64_t* read, uint64_t* written, uint64_t* counted, uint64_t* uncounted) {
    if (read) *read = total_read.load();
    if (written) *written = total_written.load();
    if (counted) *counted = counted_launches.load();
    if (uncounted) *uncounted = uncounted_launches.load();
}

// ---- the entry points of GCC's -fsanitize=thread instrumentation (hidden: only the twins call them) -------------
// Plain accesses; the unaligned variants (a packed struct member) count the same.
#define LETHE_TSAN_ACCESS(n)                                                                          \
    extern "C" void __tsan_read##n(void* p) { count(p, n, false); }                                  \
    extern "C" void __tsan_write##n(void* p) { count(p, n, true); }                                  \
    extern "C" void __tsan_unaligned_read##n(void* p) { count(p, n, false); }                        \
    extern "C" void __tsan_unaligned_write##n(void* p) { count(p, n, true); }                        \
    extern "C" void __tsan_volatile_read##n(void* p) { count(p, n, false); }                         \
    extern "C" void __tsan_volatile_write##n(void* p) { count(p, n, true); }
LETHE_TSAN_ACCESS(1)
LETHE_TSAN_ACCESS(2)
LETHE_TSAN_ACCESS(4)
LETHE_TSAN_ACCESS(8)
LETHE_TSAN_ACCESS(16)
#undef LETHE_TSAN_ACCESS

// A struct copied as a whole (GCC instruments a float4 load or store this way): one access of its size, classified by
// its first byte (an access inside a kernel never straddles two allocations; the guard zones would report it).
extern "C" void __tsan_read_range(void* p, unsigned long size) { count(p, unsigned(size), false); }
extern "C" void __tsan_write_range(void* p, unsigned long size) { count(p, unsigned(size), true); }
extern "C" void __tsan_init(void) {}
extern "C" void __tsan_func_entry(void*) {}
extern "C" void __tsan_func_exit(void) {}
extern "C" void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
extern "C" void __tsan_atomic_signal_fence(int) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

// Atomics of 1, 2, 4 and 8 bytes (the memory order argument is ignored: every one is sequentially consistent here,
// at least as strong as asked).
#define LETHE_TSAN_ATOMIC(n, T)                                                                                      \
    extern "C" T __tsan_atomic##n##_load(const volatile T* a, int) {                                                 \
        count(a, n / 8, false);                                                                                      \
        return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                                                 \
    }                                                                                                                \
    extern "C" void __tsan_atomic##n##_store(volatile T* a, T v, int) {                                              \
        count(a, n / 8, true);                                                                                       \
        __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                                    \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_exchange(volatile T* a, T v, int) {                                              \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                          \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_fetch_add(volatile T* a, T v, int) {                                             \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                           \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_fetch_sub(volatile T* a, T v, int) {                                             \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                           \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_fetch_and(volatile T* a, T v, int) {                                             \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                           \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_fetch_or(volatile T* a, T v, int) {                                              \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                            \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_fetch_xor(volatile T* a, T v, int) {                                             \
        count(a, n / 8, false);                                                                                      \
        count(a, n / 8, true);                                                                                       \
        return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                           \
    }                                                                                                                \
    extern "C" int __tsan_atomic##n##_compare_exchange_strong(volatile T* a, T* expected, T v, int, int) {           \
        count(a, n / 8, false);                                                                                      \
        bool ok = __atomic_compare_exchange_n(a, expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);            \
        if (ok) count(a, n / 8, true);                                                                               \
        return ok;                                                                                                   \
    }                                                                                                                \
    extern "C" int __tsan_atomic##n##_compare_exchange_weak(volatile T* a, T* expected, T v, int, int) {             \
        count(a, n / 8, false);                                                                                      \
        bool ok = __atomic_compare_exchange_n(a, expected, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);             \
        if (ok) count(a, n / 8, true);                                                                               \
        return ok;                                                                                                   \
    }                                                                                                                \
    extern "C" T __tsan_atomic##n##_compare_exchange_val(volatile T* a, T expected, T v, int, int) {                 \
        count(a, n / 8, false);                                                                                      \
        bool ok = __atomic_compare_exchange_n(a, &expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);           \
        if (ok) count(a, n / 8, true);                                                                               \
        return expected;                                                                                             \
    }
LETHE_TSAN_ATOMIC(8, std::uint8_t)
LETHE_TSAN_ATOMIC(16, std::uint16_t)
LETHE_TSAN_ATOMIC(32, std::uint32_t)
LETHE_TSAN_ATOMIC(64, std::uint64_t)
#undef LETHE_TSAN_ATOMIC
