// streams.cpp: the emulator's streams and events. Every emulated operation completes before its call returns, so
// a stream is a checked handle and an event the time at which it was recorded (steady clock).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "emu_internal.h"

namespace {
std::mutex mutex;
std::uint64_t next_handle = 1;
std::unordered_set<std::uint64_t> streams;
std::unordered_map<std::uint64_t, std::int64_t> events;  // handle -> ns when recorded, -1 before

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
bool known_stream(std::uint64_t s) { return s == 0 || streams.count(s) != 0; }  // 0: the default stream
}  // namespace

using lethe_emu::set_error;

LETHE_EMU_API int lethe_emu_stream_create(uint64_t* out) {
    std::lock_guard<std::mutex> lock(mutex);
    *out = next_handle++;
    streams.insert(*out);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_stream_destroy(uint64_t stream) {
    std::lock_guard<std::mutex> lock(mutex);
    if (stream == 0 || streams.erase(stream) == 0)
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "stream_destroy: %llu is not a live stream", (unsigned long long)stream);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_stream_synchronize(uint64_t stream) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!known_stream(stream))
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "stream_synchronize: %llu is not a live stream", (unsigned long long)stream);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_event_create(uint64_t* out) {
    std::lock_guard<std::mutex> lock(mutex);
    *out = next_handle++;
    events[*out] = -1;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_event_destroy(uint64_t event) {
    std::lock_guard<std::mutex> lock(mutex);
    if (events.erase(event) == 0)
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_destroy: %llu is not a live event", (unsigned long long)event);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_event_record(uint64_t event, uint64_t stream) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = events.find(event);
    if (it == events.end())
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_record: %llu is not a live event", (unsigned long long)event);
    if (!known_stream(stream))
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_record: %llu is not a live stream", (unsigned long long)stream);
    it->second = now_ns();
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_event_synchronize(uint64_t event) {
    std::lock_guard<std::mutex> lock(mutex);
    if (events.count(event) == 0)
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_synchronize: %llu is not a live event", (unsigned long long)event);
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_event_elapsed_ms(float* ms, uint64_t start, uint64_t end) {
    std::lock_guard<std::mutex> lock(mutex);
    auto a = events.find(start), b = events.find(end);
    if (a == events.end() || b == events.end())
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_elapsed_ms: %llu or %llu is not a live event",
                         (unsigned long long)start, (unsigned long long)end);
    if (a->second < 0 || b->second < 0)
        return set_error(LETHE_EMU_ERR_INVALID_VALUE, "event_elapsed_ms: an event was never recorded");
    *ms = float(double(b->second - a->second) / 1e6);
    return LETHE_EMU_OK;
}
