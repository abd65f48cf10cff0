// fiber.h: the emulator's fibers, the way a block's CUDA threads share one OS thread.
//
// Choice: a hand-written x86-64 context switch (fiber.cpp: saves the six callee-saved registers and swaps the stack
// pointer; 15 instructions), not ucontext. Measured on this project's
// build machine (2 shared x86-64 cores, g++ 12 -O2, a fiber that only counts and yields; noisy, best of 3 runs):
// the hand-written switch takes 10-20 ns a switch, swapcontext 1,200-1,900 ns (glibc's swapcontext makes an
// rt_sigprocmask system call on every switch), about 100 times slower. Whole launches (same machine, 2 workers):
// a 1M-element binary_f32 takes about 10 ms; sum_f32_blocks over 1M floats, 1024 blocks of 256 threads with 10
// warp shuffles and a __syncthreads per thread, about 90 ms (300 ms with ucontext-free but scheduler-mediated
// switches and MXCSR saving, before a yielding fiber handed over directly to the next runnable one). A kernel with a few __syncthreads and warp shuffles switches
// every thread several times per block, so ucontext would dominate the emulator's time.
// (tools: cuda-kernels/emu/bench_switch.cpp, built by hand: g++ -O2 bench_switch.cpp fiber.cpp && ./a.out)
//
// Stacks: one mapping per worker OS thread holding up to 1024 fiber stacks of FIBER_STACK bytes, each with a
// PROT_NONE guard page below it. A kernel thread that overflows its stack touches the guard page (build.sh compiles
// with -fstack-clash-protection, so a frame larger than a page probes it page by page and cannot jump over it);
// launch.cpp's SIGSEGV handler, on an alternate signal stack, turns that into a fault of the launch naming the
// kernel (and hands every other SIGSEGV, the JVM's own included, to the handler installed before it). Pages are
// committed on first touch, so a fiber costs the few KiB its kernel actually uses.
#pragma once

#include <cstddef>

namespace lethe_emu {

/** Saves the running context's registers on its stack, stores its stack pointer in *save, resumes `to`. */
extern "C" void lethe_emu_switch(void** save, void* to) __attribute__((visibility("hidden")));

/** A stack a fiber starts on: entry() runs on it and must never return (it switches away for good). */
struct FiberStack {
    char* base = nullptr;  // lowest usable byte
    std::size_t size = 0;
};

/** The initial stack pointer of a fiber that starts in entry() on the given stack (for lethe_emu_switch). */
void* fiber_init(const FiberStack& stack, void (*entry)());

/** Bytes of stack each fiber gets (kernels use little: locals, and libm's frames). */
inline constexpr std::size_t FIBER_STACK = 64 * 1024;

/** Maps `count` stacks of FIBER_STACK bytes with guard pages; nullptr when the mapping fails. */
FiberStack* map_stacks(int count);

/** The index of the stack among the `count` that map_stacks returned whose guard page holds addr, else -1. */
int guard_page_of(const FiberStack* stacks, int count, const void* addr);

}  // namespace lethe_emu
