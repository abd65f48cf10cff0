// fiber.cpp: the x86-64 (System V) context switch and fiber stacks of the emulator (why not ucontext: fiber.h).
#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

// void lethe_emu_switch(void** save /* rdi */, void* to /* rsi */)
// Pushes the callee-saved registers and the FP control state, saves rsp in *save, loads rsp = to, and pops the
// same frame from the other stack. Everything else is caller-saved in the System V ABI, so the C++ caller has
// already spilled it.
asm(R"(
    .text
    .globl lethe_emu_switch
    .hidden lethe_emu_switch
    .type lethe_emu_switch, @function
    .p2align 4
lethe_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size lethe_emu_switch, .-lethe_emu_switch
    .section .note.GNU-stack,"",@progbits
    .text
)");

namespace lethe_emu {

void* fiber_init(const FiberStack& stack, void (*entry)()) {
    // Top of stack, 16-byte aligned. Layout (growing down) as lethe_emu_switch expects to pop it:
    //   [top-8]  0      fake return address of entry (entry never returns)
    //   [top-16] entry  popped by `ret`; then rsp = top-8 ≡ 8 (mod 16), as right after a call
    //   [top-24 .. top-64] rbp rbx r12 r13 r14 r15 = 0
    //   [top-72] MXCSR (4 bytes), x87 control word (2 bytes): the creating thread's
    auto top = reinterpret_cast<std::uintptr_t>(stack.base + stack.size) & ~std::uintptr_t(15);
    auto* slot = reinterpret_cast<std::uint64_t*>(top);
    slot[-1] = 0;
    slot[-2] = reinterpret_cast<std::uint64_t>(entry);
    for (int i = 3; i <= 8; i++) slot[-i] = 0;
    std::uint32_t mxcsr;
    std::uint16_t fpucw;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpucw));
    std::uint64_t control = 0;
    std::memcpy(reinterpret_cast<char*>(&control), &mxcsr, 4);
    std::memcpy(reinterpret_cast<char*>(&control) + 4, &fpucw, 2);
    slot[-9] = control;
    return &slot[-9];
}

FiberStack* map_stacks(int count) {
    std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
    std::size_t stride = FIBER_STACK + page;
    void* region = mmap(nullptr, stride * std::size_t(count), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) return nullptr;
    auto* stacks = new FiberStack[count];
    for (int i = 0; i < count; i++) {
        char* guard = static_cast<char*>(region) + stride * std::size_t(i);
        mprotect(guard, page, PROT_NONE);
        stacks[i].base = guard + page;
        stacks[i].size = FIBER_STACK;
    }
    return stacks;
}

}  // namespace lethe_emu
