// fiber.cpp: the x86-64 (System V) context switch and fiber stacks of the emulator (why not ucontext: fiber.h).
#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

// void lethe_emu_switch(void** save /* rdi */, void* to /* rsi */)
// Pushes the callee-saved registers, saves rsp in *save, loads rsp = to, and pops the same frame from the other
// stack. Everything else is caller-saved in the System V ABI, so the C++ caller has already spilled it. The FP
// control state (MXCSR, x87 control word) is not switched: every fiber of a worker runs on the same OS thread and
// no kernel changes it (saving it cost a third of a switch: ldmxcsr is slow).
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
    movq %rsp, (%rdi)
    movq %rsi, %rsp
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
namespace {
std::size_t page_size = 4096;  // set by map_stacks; read by guard_page_of in a signal handler (no sysconf there)
}

void* fiber_init(const FiberStack& stack, void (*entry)()) {
    // Top of stack, 16-byte aligned. Layout (growing down) as lethe_emu_switch expects to pop it:
    //   [top-8]  0      fake return address of entry (entry never returns)
    //   [top-16] entry  popped by `ret`; then rsp = top-8 ≡ 8 (mod 16), as right after a call
    //   [top-24 .. top-64] rbp rbx r12 r13 r14 r15 = 0; the initial stack pointer is top-64
    auto top = reinterpret_cast<std::uintptr_t>(stack.base + stack.size) & ~std::uintptr_t(15);
    auto* slot = reinterpret_cast<std::uint64_t*>(top);
    slot[-1] = 0;
    slot[-2] = reinterpret_cast<std::uint64_t>(entry);
    for (int i = 3; i <= 8; i++) slot[-i] = 0;
    return &slot[-8];
}

FiberStack* map_stacks(int count) {
    std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
    page_size = page;
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

int guard_page_of(const FiberStack* stacks, int count, const void* addr) {
    if (stacks == nullptr || count <= 0) return -1;
    std::uintptr_t page = page_size;
    std::uintptr_t region = reinterpret_cast<std::uintptr_t>(stacks[0].base) - page;
    std::uintptr_t stride = FIBER_STACK + page, a = reinterpret_cast<std::uintptr_t>(addr);
    if (a < region || a - region >= stride * std::uintptr_t(count)) return -1;
    return (a - region) % stride < page ? int((a - region) / stride) : -1;
}

}  // namespace lethe_emu
