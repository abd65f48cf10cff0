// bench_switch.cpp: measures the emulator's fiber switch (fiber.cpp) against ucontext's swapcontext, the numbers
// quoted in fiber.h. Not part of the library; build by hand: g++ -O2 bench_switch.cpp fiber.cpp && ./a.out
#include <ucontext.h>

#include <chrono>
#include <cstdio>

#include "fiber.h"

using namespace lethe_emu;

static void* main_sp;
static void* fiber_sp;
static long counter;

static void fiber_entry() {
    for (;;) {
        counter++;
        lethe_emu_switch(&fiber_sp, main_sp);
    }
}

static ucontext_t uc_main, uc_fiber;
static void uc_entry() {
    for (;;) {
        counter++;
        swapcontext(&uc_fiber, &uc_main);
    }
}

int main() {
    const long n = 2000000;
    FiberStack* stacks = map_stacks(2);
    fiber_sp = fiber_init(stacks[0], fiber_entry);
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; i++) lethe_emu_switch(&main_sp, fiber_sp);
    auto t1 = std::chrono::steady_clock::now();
    getcontext(&uc_fiber);
    uc_fiber.uc_stack.ss_sp = stacks[1].base;
    uc_fiber.uc_stack.ss_size = stacks[1].size;
    uc_fiber.uc_link = nullptr;
    makecontext(&uc_fiber, uc_entry, 0);
    auto t2 = std::chrono::steady_clock::now();
    for (long i = 0; i < n / 10; i++) swapcontext(&uc_main, &uc_fiber);
    auto t3 = std::chrono::steady_clock::now();
    double asm_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / (2.0 * n);
    double uc_ns = std::chrono::duration<double, std::nano>(t3 - t2).count() / (2.0 * (n / 10));
    std::printf("hand-written switch: %.1f ns, swapcontext: %.1f ns (counter %ld)\n", asm_ns, uc_ns, counter);
    return 0;
}
