// emu_internal.h: what the emulator's parts (memory.cpp, launch.cpp, streams.cpp) share; not part of the C ABI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lethe_cudaemu.h"

#define LETHE_EMU_API extern "C" __attribute__((visibility("default")))

/**
 * Marks the emulator's own thread-local variables: they go to the .tdata section, so that the library's .tbss holds
 * nothing but the kernels' static __shared__ arrays (lethe_device.cuh), which the emulator fills with the NaN pattern
 * at the start of every block (launch.cpp; build.sh checks the layout, Worker::init checks it again at run time).
 * Only trivially constructible types: a thread_local with a constructor would add a guard variable to .tbss.
 */
#define LETHE_EMU_TLS __attribute__((section(".tdata.lethe_emu"))) thread_local

namespace lethe_emu {

/** Records the process's last error (code and formatted message) and returns the code. */
int set_error(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Checks the guard zones of the allocations that the candidate values (a launch's 8-byte arguments) point into,
 * and of every live allocation when `full`; restores the damaged ones and returns a description of the damage
 * ("" when none): which allocation, how many bytes, the first offset written. *found_by_full tells whether the
 * damage reported was found by the full check only.
 */
std::string check_guards(const std::uintptr_t* candidates, int count, bool full, bool* found_by_full);

/** The address of the calling thread's last-error state (to check that it is not in .tbss). */
const void* error_state();

/** Live allocations. */
std::size_t allocation_count();

/** Writes the NaN pattern (LETHE_EMU_NAN_BITS, byte phase taken from the address) over [p, p + bytes). */
void fill_nan(void* p, unsigned long bytes);

/** The live device allocations as sorted [begin, end) address ranges (memory.cpp; for the byte counts). */
void device_ranges(std::vector<std::pair<std::uintptr_t, std::uintptr_t>>* out);

// ---- byte counting (bytes.cpp)
/** While byte counting is on: the byte-counting twin of kernel `name` (true), else false (run the plain kernel). */
bool bytes_twin(const char* name, int arity, void** fn, void (**trampoline)(void*, void**));
/** Starts counting a launch of a twin (snapshots the allocations); bytes_end stops it and returns its counts. */
void bytes_begin();
void bytes_end(std::uint64_t* read, std::uint64_t* written);
/** Adds the calling worker thread's counts to the launch's (at the end of each block it ran). */
void bytes_flush();

}  // namespace lethe_emu
