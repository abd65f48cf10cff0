// memory.cpp: the emulated device memory: guarded allocations, copies, memset, counters; and the last error.
//
// An allocation of n bytes is one 256-byte aligned host block:
//   [ guard: LETHE_EMU_GUARD_BYTES ][ n bytes (the device pointer points here) ][ guard: rounding to 256 + GUARD ]
// All of it is filled with the NaN pattern LETHE_EMU_NAN_BITS when allocated: a kernel reading memory nobody
// wrote reads NaN, and one reading past the end also reads NaN. After every launch the guards are compared with
// the pattern (check_guards); a difference is a write outside the allocation, reported with the kernel's name. A
// launch checks the allocations its pointer arguments point into; every allocation is checked too when there are
// few (<= 256) and at every 64th launch, so a write through a pointer the kernel read from memory is still found.
// Copies and memsets are range-checked against the allocation that holds their device pointer; lethe_emu_check_range
// does the same for work done on the host (the GEMM through OpenBLAS).
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "emu_internal.h"

namespace lethe_emu {
namespace {

constexpr std::size_t ALIGN = 256;
constexpr std::size_t GUARD = LETHE_EMU_GUARD_BYTES;

struct Allocation {
    char* base;          // what aligned_alloc returned
    std::size_t bytes;   // what the caller asked for
    std::size_t total;   // the whole block, guards included
    std::uint64_t id;    // the n-th allocation of the process, for messages
};

// the last error of each calling thread, as cudaGetLastError's (a launch reports from the thread that called it)
LETHE_EMU_TLS int error_code = 0;
LETHE_EMU_TLS char error_message[1024];  // NUL-terminated

std::mutex memory_mutex;
std::map<std::uintptr_t, Allocation> allocations;  // by device pointer
std::uint64_t live_bytes = 0, peak_bytes = 0, next_id = 1;

/** The NaN pattern, long enough to compare any guard zone with (phase 0 at index 0). */
const unsigned char* pattern() {
    static unsigned char* bytes = [] {
        std::size_t n = GUARD + 2 * ALIGN;
        auto* p = static_cast<unsigned char*>(std::malloc(n));
        std::uint32_t bits = LETHE_EMU_NAN_BITS;
        for (std::size_t i = 0; i < n; i += 4) std::memcpy(p + i, &bits, 4);
        return p;
    }();
    return bytes;
}

/** The allocation holding [p, p + bytes), or nullptr. Caller holds memory_mutex. */
const Allocation* find(const void* p, std::size_t bytes) {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    auto it = allocations.upper_bound(a);
    if (it == allocations.begin()) return nullptr;
    --it;
    if (a < it->first || a + bytes > it->first + it->second.bytes || a + bytes < a) return nullptr;
    return &it->second;
}

int range_error(const char* call, const char* which, const void* p, std::size_t bytes) {
    auto a = reinterpret_cast<std::uintptr_t>(p);
    auto it = allocations.upper_bound(a);
    if (it != allocations.begin()) {
        --it;
        if (a >= it->first && a < it->first + it->second.bytes)
            return set_error(LETHE_EMU_ERR_INVALID_VALUE,
                             "%s: %s range %p + %zu bytes runs past the end of allocation #%llu (%zu bytes at %p) by %zu bytes",
                             call, which, p, bytes, (unsigned long long)it->second.id, it->second.bytes,
                             reinterpret_cast<void*>(it->first), std::size_t(a + bytes - it->first - it->second.bytes));
    }
    return set_error(LETHE_EMU_ERR_INVALID_VALUE, "%s: %s %p (+%zu bytes) is not inside any device allocation", call,
                     which, p, bytes);
}

}  // namespace

int set_error(int code, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    error_code = code;
    return code;
}

const void* error_state() { return error_message; }

void fill_nan(void* p, unsigned long bytes) {
    auto* c = static_cast<unsigned char*>(p);
    std::size_t phase = reinterpret_cast<std::uintptr_t>(p) % 4;
    const unsigned char* pat = pattern();
    std::size_t chunk = GUARD;  // a multiple of 4: the phase stays right from chunk to chunk
    for (std::size_t off = 0; off < bytes; off += chunk) {
        std::size_t n = bytes - off < chunk ? bytes - off : chunk;
        std::memcpy(c + off, pat + phase, n);
    }
}

namespace {

/** Checks one allocation's guards; on damage, describes it into *report (when still empty) and repairs them. */
bool check_one(std::uintptr_t ptr, const Allocation& a, std::string* report) {
    const unsigned char* pat = pattern();
    std::size_t tail = GUARD + a.bytes;
    bool head_ok = std::memcmp(a.base, pat, GUARD) == 0;
    bool tail_ok = std::memcmp(a.base + tail, pat + tail % 4, a.total - tail) == 0;
    if (head_ok && tail_ok) return true;
    if (report->empty()) {
        char buf[512];
        if (!tail_ok) {
            std::size_t first = tail, last = tail, count = 0;
            for (std::size_t i = tail; i < a.total; i++)
                if (static_cast<unsigned char>(a.base[i]) != pat[i % 4]) {
                    if (count++ == 0) first = i;
                    last = i;
                }
            std::snprintf(buf, sizeof buf,
                          "wrote %zu bytes past the end of allocation #%llu (%zu bytes at %p): byte offsets %zu..%zu "
                          "from its start",
                          count, (unsigned long long)a.id, a.bytes, reinterpret_cast<void*>(ptr), first - GUARD, last - GUARD);
        } else {
            std::size_t first = 0, count = 0;
            for (std::size_t i = 0; i < GUARD; i++)
                if (static_cast<unsigned char>(a.base[i]) != pat[i % 4]) {
                    if (count++ == 0) first = i;
                }
            std::snprintf(buf, sizeof buf,
                          "wrote %zu bytes before the start of allocation #%llu (%zu bytes at %p): first at byte offset -%zu",
                          count, (unsigned long long)a.id, a.bytes, reinterpret_cast<void*>(ptr), GUARD - first);
        }
        *report = buf;
    }
    std::memcpy(a.base, pat, GUARD);
    std::memcpy(a.base + tail, pat + tail % 4, a.total - tail);
    return false;
}

}  // namespace

std::string check_guards(const std::uintptr_t* candidates, int count, bool full, bool* found_by_full) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    std::string report;
    int damaged = 0;
    *found_by_full = false;
    // first the allocations the launch was given pointers into (blocks included, guards and all)
    std::uintptr_t checked[64];
    int n_checked = 0;
    for (int i = 0; i < count && n_checked < 64; i++) {
        std::uintptr_t v = candidates[i];
        auto it = allocations.upper_bound(v + GUARD);  // the first allocation whose block starts after v
        if (it == allocations.begin()) continue;
        --it;
        const Allocation& a = it->second;
        auto base = reinterpret_cast<std::uintptr_t>(a.base);
        if (v < base || v >= base + a.total) continue;
        bool seen = false;
        for (int j = 0; j < n_checked; j++) seen |= checked[j] == it->first;
        if (seen) continue;
        checked[n_checked++] = it->first;
        if (!check_one(it->first, a, &report)) damaged++;
    }
    if (full) {
        for (auto& [ptr, a] : allocations) {
            bool was_empty = report.empty();
            if (!check_one(ptr, a, &report)) {
                damaged++;
                if (was_empty) *found_by_full = true;
            }
        }
    }
    if (damaged > 1) report += " (and " + std::to_string(damaged - 1) + " more damaged allocations)";
    return report;
}

void device_ranges(std::vector<std::pair<std::uintptr_t, std::uintptr_t>>* out) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    out->clear();
    for (auto& [ptr, a] : allocations) out->emplace_back(ptr, ptr + a.bytes);
}

std::size_t allocation_count() {
    std::lock_guard<std::mutex> lock(memory_mutex);
    return allocations.size();
}

}  // namespace lethe_emu

using namespace lethe_emu;

LETHE_EMU_API int lethe_emu_last_error(char* buf, size_t capacity) {
    if (buf != nullptr && capacity > 0) {
        std::size_t len = std::strlen(error_message);
        std::size_t n = len < capacity - 1 ? len : capacity - 1;
        std::memcpy(buf, error_message, n);
        buf[n] = '\0';
    }
    return error_code;
}

LETHE_EMU_API void lethe_emu_clear_error(void) {
    error_code = 0;
    error_message[0] = '\0';
}

LETHE_EMU_API int lethe_emu_malloc(void** out, size_t bytes) {
    if (out == nullptr) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "malloc: null result pointer");
    *out = nullptr;
    if (bytes == 0) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "malloc: 0 bytes requested (cuMemAlloc refuses it too)");
    std::size_t rounded = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    if (rounded < bytes || rounded > (std::size_t(1) << 46))
        return set_error(LETHE_EMU_ERR_OUT_OF_MEMORY, "malloc: %zu bytes requested: out of memory", bytes);
    std::size_t total = GUARD + rounded + GUARD;
    char* base = static_cast<char*>(std::aligned_alloc(ALIGN, total));
    if (base == nullptr) {
        std::uint64_t live;
        {
            std::lock_guard<std::mutex> lock(memory_mutex);
            live = live_bytes;
        }
        return set_error(LETHE_EMU_ERR_OUT_OF_MEMORY, "malloc: %zu bytes requested: out of memory (%llu bytes live)", bytes,
                         (unsigned long long)live);
    }
    fill_nan(base, total);
    std::lock_guard<std::mutex> lock(memory_mutex);
    allocations.emplace(reinterpret_cast<std::uintptr_t>(base + GUARD), Allocation{base, bytes, total, next_id++});
    live_bytes += bytes;
    if (live_bytes > peak_bytes) peak_bytes = live_bytes;
    *out = base + GUARD;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_free(void* ptr) {
    if (ptr == nullptr) return LETHE_EMU_OK;
    char* base;
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        auto it = allocations.find(reinterpret_cast<std::uintptr_t>(ptr));
        if (it == allocations.end())
            return set_error(LETHE_EMU_ERR_INVALID_VALUE, "free: %p is not the start of a live device allocation", ptr);
        base = it->second.base;
        live_bytes -= it->second.bytes;
        allocations.erase(it);
    }
    std::free(base);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_memcpy_h2d(void* dst, const void* src, size_t bytes) {
    if (bytes == 0) return LETHE_EMU_OK;
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        if (find(dst, bytes) == nullptr) return range_error("memcpy_h2d", "destination", dst, bytes);
    }
    if (src == nullptr) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "memcpy_h2d: null host source");
    std::memcpy(dst, src, bytes);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_memcpy_d2h(void* dst, const void* src, size_t bytes) {
    if (bytes == 0) return LETHE_EMU_OK;
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        if (find(src, bytes) == nullptr) return range_error("memcpy_d2h", "source", src, bytes);
    }
    if (dst == nullptr) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "memcpy_d2h: null host destination");
    std::memcpy(dst, src, bytes);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_memcpy_d2d(void* dst, const void* src, size_t bytes) {
    if (bytes == 0) return LETHE_EMU_OK;
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        if (find(src, bytes) == nullptr) return range_error("memcpy_d2d", "source", src, bytes);
        if (find(dst, bytes) == nullptr) return range_error("memcpy_d2d", "destination", dst, bytes);
    }
    std::memmove(dst, src, bytes);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_check_range(const char* call, const char* which, const void* p, size_t bytes) {
    if (bytes == 0) return LETHE_EMU_OK;
    std::lock_guard<std::mutex> lock(memory_mutex);
    if (find(p, bytes) == nullptr) return range_error(call, which, p, bytes);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_memset_d8(void* dst, unsigned value, size_t count) {
    if (count == 0) return LETHE_EMU_OK;
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        if (find(dst, count) == nullptr) return range_error("memset_d8", "destination", dst, count);
    }
    std::memset(dst, int(value & 0xff), count);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_memset_d32(void* dst, unsigned value, size_t count) {
    if (count == 0) return LETHE_EMU_OK;
    if (reinterpret_cast<std::uintptr_t>(dst) % 4 != 0)
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "memset_d32: destination %p is not 4-byte aligned", dst);
    if (count > SIZE_MAX / 4) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "memset_d32: count %zu overflows", count);
    {
        std::lock_guard<std::mutex> lock(memory_mutex);
        if (find(dst, count * 4) == nullptr) return range_error("memset_d32", "destination", dst, count * 4);
    }
    auto* d = static_cast<std::uint32_t*>(dst);
    for (std::size_t i = 0; i < count; i++) d[i] = value;
    return LETHE_EMU_OK;
}

LETHE_EMU_API void lethe_emu_mem_stats(uint64_t* live, uint64_t* peak, uint64_t* count) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    if (live) *live = live_bytes;
    if (peak) *peak = peak_bytes;
    if (count) *count = allocations.size();
}

LETHE_EMU_API void lethe_emu_reset_peak(void) {
    std::lock_guard<std::mutex> lock(memory_mutex);
    peak_bytes = live_bytes;
}
