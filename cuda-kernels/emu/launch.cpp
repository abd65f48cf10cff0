// launch.cpp: the emulator's kernel registry and its launches.
//
// A launch checks the configuration as the hardware would (block size against 1024 and the kernel's launch bound,
// grid limits, shared memory against 48 KiB or the kernel's opt-in, at most 227 KiB), then spreads the grid's
// blocks over worker OS threads (the caller and a small pool). A worker runs one block at a time: each CUDA thread
// of the block is a fiber (fiber.h) on the worker's OS thread, run in thread order until it finishes or waits:
//   - at __syncthreads: the block's barrier opens when every thread of the block has arrived; threads that
//     exited while others wait there are a LETHE_EMU_ERR_BARRIER fault (on the hardware: a hang or garbage);
//   - at a warp operation (shuffle, vote, __syncwarp): a per-warp rendezvous of the lanes named in the mask; the
//     last lane to arrive computes every lane's result. A lane of the mask that exited, waits at __syncthreads or
//     at another warp operation is a LETHE_EMU_ERR_WARP_DIVERGENCE fault, as is a shuffle from a lane outside the
//     mask or a mask naming lanes the block does not have.
// Before every block, its dynamic shared memory and the worker's static __shared__ arrays (the library's .tbss,
// see lethe_device.cuh; skipped for kernels declared to have none) are filled with the NaN pattern.
// A fault inside a kernel (these, a misaligned vector access, __trap, a fiber stack overflow) ends the block at once
// (its fibers are abandoned: kernels hold no resources) and no further block starts. A stack overflow is a SIGSEGV
// in the fiber's guard page (fiber.h): the handler (on_segv, on the worker's alternate signal stack) switches
// straight back to the scheduler, which records the fault and restores the signal mask; a SIGSEGV anywhere else
// goes to the handler installed before ours (the JVM's). After the grid, the guard zones of the
// allocations its pointer arguments point into are checked, and those of all allocations when there are few or
// at every 64th launch (memory.cpp). Launches are serialised: the device runs one kernel at a time.
// Every launch adds to its kernel's profile (launches, blocks, threads, wall time, guard-check time):
// lethe_emu_profile, and printed at exit when LETHE_EMU_PROFILE=1. While byte counting is on (bytes.cpp) a launch
// runs the kernel's byte-counting twin and adds the bytes it read and wrote to the kernel's counts
// (lethe_emu_kernel_bytes).
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../lethe_device.cuh"
#include "emu_internal.h"
#include "fiber.h"

namespace lethe_emu {

LETHE_EMU_TLS uint3 t_threadIdx;
LETHE_EMU_TLS uint3 t_blockIdx;
LETHE_EMU_TLS dim3 t_blockDim;
LETHE_EMU_TLS dim3 t_gridDim;

namespace {

constexpr int MAX_BLOCK_THREADS = 1024;
constexpr int DEFAULT_SHARED_LIMIT = 48 * 1024;
constexpr int MAX_SHARED_OPT_IN = 227 * 1024;

struct Kernel {
    std::string name;
    void* fn;
    Trampoline trampoline;
    int max_threads;
    int arity;
    const int* param_sizes;  // arity entries
    int static_shared = 0;
    bool static_shared_declared = false;  // by lethe_emu_set_static_shared; until then its blocks get the NaN fill
    int max_dynamic_shared = 0;  // the opt-in; 0 = none (48 KiB minus static shared)
    // the profile (LETHE_EMU_PROFILE): updated under launch_mutex
    std::uint64_t launches = 0, blocks = 0, threads = 0, ns = 0, guard_ns = 0;
    // the byte counts of its launches while byte counting was on (bytes.cpp): under launch_mutex
    std::uint64_t counted_launches = 0, bytes_read = 0, bytes_written = 0;
};

std::vector<Kernel>& registry() {
    static std::vector<Kernel> kernels;
    return kernels;
}
std::mutex registry_mutex;

Kernel* find_kernel(const char* name) {
    if (name == nullptr) return nullptr;
    for (auto& k : registry())
        if (k.name == name) return &k;
    return nullptr;
}

enum class State : int { RUNNABLE, AT_BARRIER, AT_WARP, DONE };

const char* op_name(WarpOp op) {
    switch (op) {
        case WarpOp::SYNC: return "__syncwarp";
        case WarpOp::SHFL: return "__shfl_sync";
        case WarpOp::SHFL_UP: return "__shfl_up_sync";
        case WarpOp::SHFL_DOWN: return "__shfl_down_sync";
        case WarpOp::SHFL_XOR: return "__shfl_xor_sync";
        case WarpOp::BALLOT: return "__ballot_sync";
        case WarpOp::ALL: return "__all_sync";
        case WarpOp::ANY: return "__any_sync";
    }
    return "?";
}

struct Fiber {
    void* sp;
    uint3 tid;
    State state;
    WarpOp op;
    unsigned mask;
    std::uint64_t value, result;
    int arg, width;
};

/** One launch, shared by the workers that run its blocks. */
struct Launch {
    const Kernel* kernel;
    void* fn;                 // the kernel's entry: its own, or its byte-counting twin's (bytes.cpp)
    Trampoline trampoline;
    bool counted = false;     // running the twin
    dim3 grid, block;
    unsigned dynamic_shared;
    void** args;
    std::uint64_t blocks;
    std::atomic<std::uint64_t> next_block{0};
    std::atomic<bool> failed{false};
    std::mutex fault_mutex;
    int fault_code = 0;
    std::string fault_message;
};

/** A group of lanes of one warp waiting at the same warp operation with the same mask. */
struct WarpGroup {
    unsigned mask;
    WarpOp op;
    unsigned arrived;  // lanes of the mask that have arrived
};

/** The lanes of one warp, as bit masks by state, and its open warp-operation groups (disjoint masks). */
struct WarpState {
    unsigned waiting, done, at_barrier;
    int groups;
    WarpGroup group[32];
};

struct Worker;
extern LETHE_EMU_TLS Worker* worker;

/**
 * The calling thread's instance of the library's .tbss section, which holds the kernels' static __shared__ arrays
 * and nothing else (the emulator's own thread-locals are LETHE_EMU_TLS, in .tdata): from the PT_TLS segment, the
 * range past its initialised part. False when it cannot be found or an emulator variable lies inside it.
 */
bool find_static_shared(char** begin, std::size_t* bytes) {
    struct Search {
        std::uintptr_t inside;  // an address of this library's code
        char* tls = nullptr;
        std::size_t file_size = 0, memory_size = 0;
        bool found = false;
    } search{reinterpret_cast<std::uintptr_t>(&find_static_shared)};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            auto& s = *static_cast<Search*>(data);
            bool ours = false;
            for (int i = 0; i < info->dlpi_phnum; i++) {
                const auto& ph = info->dlpi_phdr[i];
                std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
                if (ph.p_type == PT_LOAD && s.inside >= start && s.inside < start + ph.p_memsz) ours = true;
            }
            if (!ours) return 0;
            s.found = true;
            for (int i = 0; i < info->dlpi_phnum; i++)
                if (info->dlpi_phdr[i].p_type == PT_TLS) {
                    s.file_size = info->dlpi_phdr[i].p_filesz;
                    s.memory_size = info->dlpi_phdr[i].p_memsz;
                }
            s.tls = static_cast<char*>(info->dlpi_tls_data);
            return 1;
        },
        &search);
    if (!search.found || search.tls == nullptr || search.memory_size < search.file_size) return false;
    char* start = search.tls + search.file_size;
    char* end = search.tls + search.memory_size;
    const void* own[] = {&t_threadIdx, &t_blockIdx, &t_blockDim, &t_gridDim, &worker, error_state()};
    for (const void* p : own)
        if (static_cast<const char*>(p) >= start && static_cast<const char*>(p) < end) return false;
    *begin = start;
    *bytes = std::size_t(end - start);
    return true;
}

/** Bytes of each worker's alternate signal stack (the SIGSEGV handler runs on it: the fiber's stack is full). */
constexpr std::size_t SIGNAL_STACK = 64 * 1024;
const char* install_overflow_handler();
void register_worker(Worker* w);

/** A worker OS thread's fibers and the block it is running. */
struct Worker {
    FiberStack* stacks = nullptr;
    Fiber fibers[MAX_BLOCK_THREADS];
    WarpState warps[MAX_BLOCK_THREADS / 32];
    void* scheduler_sp = nullptr;
    char* dynamic_shared = nullptr;  // MAX_SHARED_OPT_IN bytes, 16-byte aligned
    Launch* launch = nullptr;
    int threads = 0, done = 0, at_barrier = 0, current = 0;
    int barrier_count = 0;  // threads at the barrier that passed a non-zero predicate
    bool aborted = false;

    char* static_shared = nullptr;  // this OS thread's copy of every kernel's static __shared__ arrays (.tbss)
    std::size_t static_shared_bytes = 0;
    uint3* thread_idx = &t_threadIdx;  // this OS thread's t_threadIdx, set at every switch without a TLS look-up
    // stack overflow (the SIGSEGV handler): the OS thread the fibers run on, the alternate signal stack, and what
    // the handler leaves for run_block when a fiber touched its guard page
    pthread_t owner{};
    stack_t signal_stack{};
    Worker* next_registered = nullptr;  // the list of all workers the handler searches
    volatile int overflowed_thread = -1;
    sigset_t overflow_mask;  // the signal mask before the fault, restored after it

    /** Maps the stacks and finds the static shared memory; nullptr when ready, else why not. */
    const char* init() {
        if (stacks != nullptr) return nullptr;
        if (!find_static_shared(&static_shared, &static_shared_bytes))
            return "the static __shared__ arrays of this worker thread cannot be located (the library's thread-local "
                   "layout is not the one lethe_device.cuh and build.sh arrange)";
        dynamic_shared = static_cast<char*>(std::aligned_alloc(256, MAX_SHARED_OPT_IN));
        if (dynamic_shared == nullptr) return "cannot allocate the dynamic shared memory of a worker thread";
        void* alt = mmap(nullptr, SIGNAL_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (alt == MAP_FAILED) return "cannot map the alternate signal stack of a worker thread";
        signal_stack.ss_sp = alt;
        signal_stack.ss_size = SIGNAL_STACK;
        signal_stack.ss_flags = 0;
        if (const char* why = install_overflow_handler()) return why;
        stacks = map_stacks(MAX_BLOCK_THREADS);
        if (stacks == nullptr) return "cannot map the fiber stacks of a worker thread";
        owner = pthread_self();
        register_worker(this);
        return nullptr;
    }
};

LETHE_EMU_TLS Worker* worker = nullptr;

Worker& this_worker() {
    if (worker == nullptr) worker = new Worker();  // one per OS thread that runs blocks; kept for its lifetime
    return *worker;
}

// ---- stack overflow: a SIGSEGV in a fiber's guard page ends the block with a fault; any other goes on to the
// handler installed before (the JVM's, which uses SIGSEGV itself, e.g. for implicit null checks).
std::atomic<Worker*> registered_workers{nullptr};  // a push-only list: the handler walks it without locks
struct sigaction previous_segv;
std::once_flag handler_once;
const char* handler_error = nullptr;

void register_worker(Worker* w) {
    Worker* head = registered_workers.load();
    do w->next_registered = head;
    while (!registered_workers.compare_exchange_weak(head, w));
}

void on_segv(int sig, siginfo_t* info, void* context) {
    pthread_t self = pthread_self();
    for (Worker* w = registered_workers.load(std::memory_order_acquire); w != nullptr; w = w->next_registered) {
        if (!pthread_equal(w->owner, self) || w->launch == nullptr) continue;
        if (guard_page_of(w->stacks, MAX_BLOCK_THREADS, info->si_addr) != w->current) continue;
        // the running fiber overflowed its stack: leave it for good (it holds nothing) and resume the scheduler,
        // which records the fault; the signal mask is restored there (this handler never returns)
        w->overflow_mask = static_cast<ucontext_t*>(context)->uc_sigmask;
        w->overflowed_thread = w->current;
        w->aborted = true;
        void* dead;
        lethe_emu_switch(&dead, w->scheduler_sp);
        __builtin_unreachable();
    }
    // not ours: as the previous handler would have it
    if (previous_segv.sa_flags & SA_SIGINFO) {
        previous_segv.sa_sigaction(sig, info, context);
    } else if (previous_segv.sa_handler == SIG_DFL || previous_segv.sa_handler == SIG_IGN) {
        signal(SIGSEGV, SIG_DFL);  // the faulting instruction runs again and ends the process, as without us
    } else {
        previous_segv.sa_handler(sig);
    }
}

/** Installs on_segv once, in front of the current SIGSEGV handler; nullptr when done, else why not. */
const char* install_overflow_handler() {
    std::call_once(handler_once, [] {
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        if (sigaction(SIGSEGV, nullptr, &previous_segv) != 0) {
            handler_error = "cannot read the SIGSEGV handler";
            return;
        }
        sa.sa_sigaction = on_segv;
        sa.sa_mask = previous_segv.sa_mask;  // what the previous handler expects blocked when it is called through us
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | (previous_segv.sa_flags & SA_RESTART);
        if (sigaction(SIGSEGV, &sa, nullptr) != 0) handler_error = "cannot install the SIGSEGV handler for fiber stack overflows";
    });
    return handler_error;
}

/** Records a fault of the launch (the first one wins) and stops it from starting further blocks. */
void record_fault(Launch& l, int code, const std::string& message) {
    {
        std::lock_guard<std::mutex> lock(l.fault_mutex);
        if (l.fault_code == 0) {
            l.fault_code = code;
            l.fault_message = message;
        }
    }
    l.failed.store(true);
}

/** Ends the running block with a fault and returns to the scheduler; called on a fiber. */
[[noreturn]] void abort_block(int code, const std::string& message) {
    Worker& w = *worker;
    record_fault(*w.launch, code, message);
    w.aborted = true;
    Fiber& f = w.fibers[w.current];
    lethe_emu_switch(&f.sp, w.scheduler_sp);
    __builtin_unreachable();
}

std::string where(const Worker& w, int thread) {
    char buf[160];
    const uint3& t = w.fibers[thread].tid;
    std::snprintf(buf, sizeof buf, "block (%u,%u,%u), thread (%u,%u,%u)", t_blockIdx.x, t_blockIdx.y, t_blockIdx.z, t.x, t.y,
                  t.z);
    return buf;
}

/**
 * Leaves the running fiber (saving its stack pointer in *save) for the next runnable fiber after it in thread
 * order, directly (one switch instead of two through the scheduler), or for the scheduler when there is none.
 */
void switch_away(Worker& w, void** save) {
    for (int j = w.current + 1; j < w.threads; j++) {
        if (w.fibers[j].state != State::RUNNABLE) continue;
        w.current = j;
        *w.thread_idx = w.fibers[j].tid;
        lethe_emu_switch(save, w.fibers[j].sp);
        return;
    }
    lethe_emu_switch(save, w.scheduler_sp);
}

void fiber_entry() {
    Worker& w = *worker;
    const Launch& l = *w.launch;
    l.trampoline(l.fn, l.args);
    Worker& v = w;  // a fiber never leaves its OS thread
    v.fibers[v.current].state = State::DONE;
    v.warps[v.current / 32].done |= 1u << (v.current % 32);
    v.done++;
    void* dead;  // never resumed
    switch_away(v, &dead);
    __builtin_unreachable();
}

void release_barrier(Worker& w) {
    for (int i = 0; i < w.threads; i++)
        if (w.fibers[i].state == State::AT_BARRIER) {
            w.fibers[i].state = State::RUNNABLE;
            w.fibers[i].result = std::uint64_t(w.barrier_count);
        }
    w.at_barrier = 0;
    w.barrier_count = 0;
    for (int i = 0; i < (w.threads + 31) / 32; i++) w.warps[i].at_barrier = 0;
}

/** Records why the block cannot go on: called when no fiber is runnable and not all are done. */
void diagnose_stall(Worker& w) {
    Launch& l = *w.launch;
    for (int i = 0; i < w.threads; i++) {
        const Fiber& f = w.fibers[i];
        if (f.state != State::AT_WARP) continue;
        int warp = i / 32;
        for (int lane = 0; lane < 32; lane++) {
            if ((f.mask >> lane & 1u) == 0) continue;
            const Fiber& g = w.fibers[warp * 32 + lane];
            if (g.state != State::AT_WARP || g.op != f.op || g.mask != f.mask) {
                char buf[256];
                std::snprintf(buf, sizeof buf, "lane %d of warp %d waits at %s (mask 0x%08x) but lane %d %s", i % 32, warp,
                              op_name(f.op), f.mask, lane,
                              g.state == State::DONE         ? "has exited"
                              : g.state == State::AT_BARRIER ? "waits at __syncthreads"
                                                             : "waits at another warp operation");
                record_fault(l, LETHE_EMU_ERR_WARP_DIVERGENCE, std::string(buf) + " (" + where(w, i) + ")");
                return;
            }
        }
    }
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%d of %d threads exited while %d waited at __syncthreads (a barrier not every thread reaches)", w.done,
                  w.threads, w.at_barrier);
    std::string message = buf;
    for (int i = 0; i < w.threads; i++)
        if (w.fibers[i].state == State::DONE) {
            message += "; first exited: " + where(w, i);
            break;
        }
    record_fault(l, LETHE_EMU_ERR_BARRIER, message);
}

/** Records a stack overflow the SIGSEGV handler caught, and restores the signal mask the handler left behind. */
void report_overflow(Worker& w) {
    pthread_sigmask(SIG_SETMASK, &w.overflow_mask, nullptr);
    int thread = w.overflowed_thread;
    w.overflowed_thread = -1;
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "stack overflow: a thread used more than the emulator's %zu KiB fiber stack (deep recursion or large "
                  "local arrays; a GPU thread's stack is cudaLimitStackSize, 1 KiB by default) (%s)",
                  FIBER_STACK / 1024, where(w, thread).c_str());
    record_fault(*w.launch, LETHE_EMU_ERR_STACK_OVERFLOW, buf);
}

/** Runs block `index` of the launch on this worker; false when it faulted. */
bool run_block(Worker& w, Launch& l, std::uint64_t index) {
    t_gridDim = l.grid;
    t_blockDim = l.block;
    t_blockIdx = {unsigned(index % l.grid.x), unsigned(index / l.grid.x % l.grid.y),
                  unsigned(index / (std::uint64_t(l.grid.x) * l.grid.y))};
    if (l.dynamic_shared > 0) fill_nan(w.dynamic_shared, l.dynamic_shared);
    // static shared memory: every kernel's arrays (where this one's are is not known), unless the kernel is declared
    // to have none (the ptxas report: 0 bytes)
    if (!l.kernel->static_shared_declared || l.kernel->static_shared > 0) fill_nan(w.static_shared, w.static_shared_bytes);
    w.launch = &l;
    w.threads = int(l.block.x * l.block.y * l.block.z);
    w.done = w.at_barrier = w.barrier_count = 0;
    for (int i = 0; i < (w.threads + 31) / 32; i++) w.warps[i] = WarpState{};
    w.aborted = false;
    for (int i = 0; i < w.threads; i++) {
        Fiber& f = w.fibers[i];
        f.sp = fiber_init(w.stacks[i], fiber_entry);
        f.tid = {unsigned(i % l.block.x), unsigned(i / l.block.x % l.block.y), unsigned(i / (l.block.x * l.block.y))};
        f.state = State::RUNNABLE;
    }
    for (;;) {
        bool ran = false;
        for (int i = 0; i < w.threads; i++) {
            if (w.fibers[i].state != State::RUNNABLE) continue;
            w.current = i;
            *w.thread_idx = w.fibers[i].tid;
            lethe_emu_switch(&w.scheduler_sp, w.fibers[i].sp);
            if (w.aborted) {
                if (w.overflowed_thread >= 0) report_overflow(w);
                return false;
            }
            ran = true;
            i = w.current;  // fibers hand over to the next runnable one directly: go on after the last that ran
        }
        if (w.done == w.threads) return true;
        if (!ran) {  // not one fiber could run: a deadlock
            diagnose_stall(w);
            return false;
        }
    }
}

void run_blocks(Launch& l) {
    Worker& w = this_worker();
    if (const char* why = w.init()) {
        record_fault(l, LETHE_EMU_ERR_OUT_OF_MEMORY, why);
        return;
    }
    // the SIGSEGV handler needs an alternate stack: this thread's own, if it has one (then it stays), else ours for
    // the launch (the calling thread is the JVM's: it gets its signal state back)
    stack_t previous;
    bool ours = sigaltstack(nullptr, &previous) == 0 && (previous.ss_flags & SS_DISABLE) != 0 &&
                sigaltstack(&w.signal_stack, nullptr) == 0;
    while (!l.failed.load(std::memory_order_relaxed)) {
        std::uint64_t b = l.next_block.fetch_add(1);
        if (b >= l.blocks) break;
        if (!run_block(w, l, b)) break;
    }
    if (l.counted) bytes_flush();
    w.launch = nullptr;
    if (ours) sigaltstack(&previous, nullptr);
}

/** The worker OS threads besides the caller: they wait for a launch, run blocks, report done. */
struct Pool {
    std::mutex mutex;
    std::condition_variable wake, finished;
    std::vector<std::thread> threads;
    Launch* job = nullptr;
    std::uint64_t generation = 0;
    int busy = 0;
    int size = 0;

    void start(int workers) {
        size = workers;
        for (int i = 0; i < workers; i++)
            threads.emplace_back([this] {
                std::uint64_t seen = 0;
                for (;;) {
                    Launch* l;
                    {
                        std::unique_lock<std::mutex> lock(mutex);
                        wake.wait(lock, [&] { return generation != seen; });
                        seen = generation;
                        l = job;
                    }
                    run_blocks(*l);
                    std::lock_guard<std::mutex> lock(mutex);
                    if (--busy == 0) finished.notify_all();
                }
            });
        for (auto& t : threads) t.detach();
    }

    void run(Launch& l) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            job = &l;
            busy = size;
            generation++;
        }
        wake.notify_all();
        run_blocks(l);
        std::unique_lock<std::mutex> lock(mutex);
        finished.wait(lock, [&] { return busy == 0; });
    }
};

constexpr std::uint64_t FULL_GUARD_CHECK_EVERY = 64;
constexpr std::size_t FULL_GUARD_CHECK_BELOW = 256;
std::uint64_t last_full_check = 0;  // the launch number of the last full guard check (under launch_mutex)

std::mutex launch_mutex;
std::atomic<std::uint64_t> launches{0};
int configured_workers = 0;
Pool* pool = nullptr;

int default_workers() {
    if (const char* env = std::getenv("LETHE_EMU_WORKERS")) {
        int n = std::atoi(env);
        if (n >= 1) return std::min(n, 64);
    }
    unsigned hw = std::thread::hardware_concurrency();
    return int(std::clamp(hw == 0 ? 1u : hw, 1u, 8u));
}

int launch_error(const Kernel* k, int code, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int launch_error(const Kernel* k, int code, const char* fmt, ...) {
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return set_error(code, "kernel %s: %s", k->name.c_str(), buf);
}

/** LETHE_EMU_PROFILE set to anything but "" or "0": print the profile to stderr at exit. */
bool profile_wanted() {
    const char* env = std::getenv("LETHE_EMU_PROFILE");
    return env != nullptr && env[0] != '\0' && std::strcmp(env, "0") != 0;
}
bool profile_registered = false;  // under launch_mutex

/** The per-kernel profile as text, slowest first; caller holds launch_mutex (or knows no launch runs). */
std::string profile_text() {
    std::vector<const Kernel*> ran;
    std::uint64_t total_ns = 0, total_launches = 0;
    for (const Kernel& k : registry())
        if (k.launches > 0) {
            ran.push_back(&k);
            total_ns += k.ns;
            total_launches += k.launches;
        }
    std::sort(ran.begin(), ran.end(), [](const Kernel* a, const Kernel* b) { return a->ns > b->ns; });
    char line[512];
    std::snprintf(line, sizeof line, "lethe cuda-emu profile: %llu launches of %zu kernels, %.3f s in launches\n",
                  (unsigned long long)total_launches, ran.size(), double(total_ns) / 1e9);
    std::string out = line;
    std::snprintf(line, sizeof line, "%-40s %10s %12s %14s %11s %6s %11s %10s\n", "kernel", "launches", "blocks", "threads",
                  "ms", "%", "guard ms", "us/launch");
    out += line;
    for (const Kernel* k : ran) {
        std::snprintf(line, sizeof line, "%-40s %10llu %12llu %14llu %11.1f %6.1f %11.1f %10.1f\n", k->name.c_str(),
                      (unsigned long long)k->launches, (unsigned long long)k->blocks, (unsigned long long)k->threads,
                      double(k->ns) / 1e6, total_ns ? 100.0 * double(k->ns) / double(total_ns) : 0.0,
                      double(k->guard_ns) / 1e6, double(k->ns) / 1e3 / double(k->launches));
        out += line;
    }
    return out;
}

void print_profile_at_exit() {
    // a launch may still run on another thread while the process exits: never wait for it
    if (!launch_mutex.try_lock()) {
        std::fputs("lethe cuda-emu profile: a launch was still running at exit; no profile\n", stderr);
        return;
    }
    std::string text = profile_text();
    launch_mutex.unlock();
    std::fputs(text.c_str(), stderr);
}

}  // namespace

void register_kernel(const char* name, void* kernel, Trampoline trampoline, int max_threads, int arity,
                     const int* param_sizes) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry().push_back(Kernel{name, kernel, trampoline, max_threads, arity, param_sizes});
}

void* dynamic_shared() { return worker->dynamic_shared; }

int syncthreads(int predicate) {
    Worker& w = *worker;
    Fiber& f = w.fibers[w.current];
    f.state = State::AT_BARRIER;
    w.warps[w.current / 32].at_barrier |= 1u << (w.current % 32);
    w.barrier_count += predicate != 0;
    if (++w.at_barrier == w.threads) {
        release_barrier(w);  // the last to arrive opens it and goes on
        return int(f.result);
    }
    switch_away(w, &f.sp);
    return int(f.result);  // set by release_barrier
}

std::uint64_t warp_op(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width) {
    Worker& w = *worker;
    int me = w.current;
    int lane = me % 32, base = me - lane;
    int lanes = std::min(32, w.threads - base);
    if ((mask >> lane & 1u) == 0)
        abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, std::string(op_name(op)) + ": the mask does not name the calling lane (" +
                                                       where(w, me) + ")");
    if (lanes < 32 && (mask >> lanes) != 0) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s: mask 0x%08x names lanes this warp does not have (it has %d threads) (", op_name(op),
                      mask, lanes);
        abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, buf + where(w, me) + ")");
    }
    if (width < 1 || width > 32 || (width & (width - 1)) != 0)
        abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, std::string(op_name(op)) + ": width " + std::to_string(width) +
                                                       " is not a power of 2 up to 32 (" + where(w, me) + ")");
    Fiber& f = w.fibers[me];
    f.state = State::AT_WARP;
    f.op = op;
    f.mask = mask;
    f.value = value;
    f.arg = arg;
    f.width = width;
    // Every lane of the mask must reach this same operation with this same mask: none may have exited or wait at
    // __syncthreads, and those already waiting must wait in this operation's group (groups have disjoint masks).
    WarpState& ws = w.warps[me / 32];
    unsigned bad = mask & (ws.done | ws.at_barrier);
    if (bad != 0) {
        int l = __builtin_ctz(bad);
        char buf[256];
        std::snprintf(buf, sizeof buf, "lane %d reached %s (mask 0x%08x) but lane %d %s (", lane, op_name(op), mask, l,
                      (ws.done >> l & 1u) ? "has exited" : "waits at __syncthreads");
        abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, buf + where(w, me) + ")");
    }
    WarpGroup* group = nullptr;
    for (int i = 0; i < ws.groups; i++) {
        if (ws.group[i].mask == mask) {
            group = &ws.group[i];
        } else if ((ws.group[i].mask >> lane & 1u) != 0) {  // lanes wait for this one elsewhere
            int l = __builtin_ctz(ws.group[i].arrived);
            char buf[256];
            std::snprintf(buf, sizeof buf, "lane %d reached %s (mask 0x%08x) while lane %d waits for it at %s (mask 0x%08x) (", lane,
                          op_name(op), mask, l, op_name(ws.group[i].op), ws.group[i].mask);
            abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, buf + where(w, me) + ")");
        }
    }
    unsigned others = mask & ws.waiting & ~(group ? group->arrived : 0u);
    if (others != 0 || (group != nullptr && group->op != op)) {
        int l = others != 0 ? __builtin_ctz(others) : __builtin_ctz(group->arrived);
        const Fiber& g = w.fibers[base + l];
        char buf[256];
        std::snprintf(buf, sizeof buf, "lane %d reached %s (mask 0x%08x) while lane %d waits at %s (mask 0x%08x) (", lane,
                      op_name(op), mask, l, op_name(g.op), g.mask);
        abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, buf + where(w, me) + ")");
    }
    if (group == nullptr) {
        group = &ws.group[ws.groups++];
        *group = WarpGroup{mask, op, 0};
    }
    group->arrived |= 1u << lane;
    ws.waiting |= 1u << lane;
    if (group->arrived != mask) {
        switch_away(w, &f.sp);
        return f.result;
    }
    ws.waiting &= ~mask;
    *group = ws.group[--ws.groups];
    // The last lane to arrive: every lane's result, then all go on.
    std::uint64_t ballot = 0;
    for (int l = 0; l < lanes; l++)
        if ((mask >> l & 1u) != 0 && w.fibers[base + l].value != 0) ballot |= 1ull << l;
    for (int l = 0; l < lanes; l++) {
        if ((mask >> l & 1u) == 0) continue;
        Fiber& g = w.fibers[base + l];
        int seg = l & ~(width - 1), src = l;
        switch (op) {
            case WarpOp::SYNC: g.result = 0; break;
            case WarpOp::BALLOT: g.result = ballot; break;
            case WarpOp::ALL: g.result = ballot == std::uint64_t(mask); break;
            case WarpOp::ANY: g.result = ballot != 0; break;
            case WarpOp::SHFL: src = seg + (((g.arg % width) + width) % width); break;
            case WarpOp::SHFL_UP: src = (l - seg) >= g.arg ? l - g.arg : l; break;
            case WarpOp::SHFL_DOWN: src = (l - seg) + g.arg < width ? l + g.arg : l; break;
            case WarpOp::SHFL_XOR: src = ((l ^ g.arg) & ~(width - 1)) == seg ? (l ^ g.arg) : l; break;
        }
        if (op == WarpOp::SHFL || op == WarpOp::SHFL_UP || op == WarpOp::SHFL_DOWN || op == WarpOp::SHFL_XOR) {
            if (src < 0 || src >= lanes || (mask >> src & 1u) == 0) {
                char buf[200];
                std::snprintf(buf, sizeof buf, "lane %d's %s reads lane %d, which is not in its mask 0x%08x (", l, op_name(op), src,
                              mask);
                abort_block(LETHE_EMU_ERR_WARP_DIVERGENCE, buf + where(w, base + l) + ")");
            }
            g.result = w.fibers[base + src].value;
        }
        g.state = State::RUNNABLE;
    }
    return f.result;
}

void fault(int kind, const char* fmt, ...) {
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    abort_block(kind, buf);
}

}  // namespace lethe_emu

using namespace lethe_emu;

LETHE_EMU_API int lethe_emu_kernel_count(void) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    return int(registry().size());
}

LETHE_EMU_API const char* lethe_emu_kernel_name(int i) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    return i >= 0 && i < int(registry().size()) ? registry()[std::size_t(i)].name.c_str() : nullptr;
}

LETHE_EMU_API int lethe_emu_kernel_info(const char* name, int* max_threads, int* arity) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    Kernel* k = find_kernel(name);
    if (k == nullptr) return set_error(LETHE_EMU_ERR_NOT_FOUND, "no kernel named %s", name ? name : "(null)");
    if (max_threads) *max_threads = k->max_threads;
    if (arity) *arity = k->arity;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_set_static_shared(const char* name, int bytes) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    Kernel* k = find_kernel(name);
    if (k == nullptr) return set_error(LETHE_EMU_ERR_NOT_FOUND, "no kernel named %s", name ? name : "(null)");
    if (bytes < 0 || bytes > DEFAULT_SHARED_LIMIT)
        return set_error(LETHE_EMU_ERR_SHARED_MEMORY, "kernel %s: %d bytes of static shared memory (at most %d)", name, bytes,
                         DEFAULT_SHARED_LIMIT);
    k->static_shared = bytes;
    k->static_shared_declared = true;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_set_max_dynamic_shared(const char* name, int bytes) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    Kernel* k = find_kernel(name);
    if (k == nullptr) return set_error(LETHE_EMU_ERR_NOT_FOUND, "no kernel named %s", name ? name : "(null)");
    if (bytes < 0 || bytes + k->static_shared > MAX_SHARED_OPT_IN)
        return launch_error(k, LETHE_EMU_ERR_SHARED_MEMORY,
                            "MAX_DYNAMIC_SHARED_SIZE_BYTES %d + %d static bytes exceed the %d bytes of shared memory a block "
                            "can have",
                            bytes, k->static_shared, MAX_SHARED_OPT_IN);
    k->max_dynamic_shared = bytes;
    return LETHE_EMU_OK;
}

LETHE_EMU_API uint64_t lethe_emu_launch_count(void) { return launches.load(); }

LETHE_EMU_API int lethe_emu_set_workers(int workers) {
    std::lock_guard<std::mutex> lock(launch_mutex);
    if (pool != nullptr) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "set_workers: the workers have started already");
    if (workers < 0 || workers > 64) return set_error(LETHE_EMU_ERR_INVALID_VALUE, "set_workers: %d workers (0..64)", workers);
    configured_workers = workers;
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                   unsigned bz, unsigned dynamic_shared_bytes, void** args, int arg_count,
                                   const int* arg_sizes) {
    std::uint64_t number = launches.fetch_add(1) + 1;  // this launch's number, from 1
    Kernel* k;
    {
        std::lock_guard<std::mutex> lock(registry_mutex);
        k = find_kernel(name);
    }
    if (k == nullptr) return set_error(LETHE_EMU_ERR_NOT_FOUND, "launch: no kernel named %s", name ? name : "(null)");
    std::uint64_t threads = std::uint64_t(bx) * by * bz;
    if (bx == 0 || by == 0 || bz == 0 || bx > 1024 || by > 1024 || bz > 64 || threads > MAX_BLOCK_THREADS)
        return launch_error(k, LETHE_EMU_ERR_BLOCK_SIZE,
                            "block (%u,%u,%u) = %llu threads: a block has 1 to 1024 threads (x, y <= 1024, z <= 64)", bx, by,
                            bz, (unsigned long long)threads);
    if (threads > std::uint64_t(k->max_threads))
        return launch_error(k, LETHE_EMU_ERR_BLOCK_SIZE, "block (%u,%u,%u) = %llu threads exceeds the kernel's launch bound of %d",
                            bx, by, bz, (unsigned long long)threads, k->max_threads);
    if (gx == 0 || gy == 0 || gz == 0 || gx > 0x7fffffffu || gy > 65535 || gz > 65535)
        return launch_error(k, LETHE_EMU_ERR_GRID, "grid (%u,%u,%u): x must be 1..2^31-1, y and z 1..65535", gx, gy, gz);
    int dynamic_limit = k->max_dynamic_shared > 0 ? k->max_dynamic_shared : DEFAULT_SHARED_LIMIT - k->static_shared;
    if (std::uint64_t(dynamic_shared_bytes) > std::uint64_t(dynamic_limit)) {
        if (k->max_dynamic_shared > 0)
            return launch_error(k, LETHE_EMU_ERR_SHARED_MEMORY,
                                "%u bytes of dynamic shared memory exceed the kernel's opt-in of %d bytes "
                                "(MAX_DYNAMIC_SHARED_SIZE_BYTES)",
                                dynamic_shared_bytes, k->max_dynamic_shared);
        return launch_error(k, LETHE_EMU_ERR_SHARED_MEMORY,
                            "%u bytes of dynamic + %d bytes of static shared memory exceed the %d bytes a block may use "
                            "without opt-in (set MAX_DYNAMIC_SHARED_SIZE_BYTES, at most %d bytes in all)",
                            dynamic_shared_bytes, k->static_shared, DEFAULT_SHARED_LIMIT, MAX_SHARED_OPT_IN);
    }
    if (args == nullptr && k->arity > 0)
        return launch_error(k, LETHE_EMU_ERR_ARGUMENTS, "null argument array for a kernel of %d parameters", k->arity);
    if (arg_count >= 0) {
        std::string expected;
        for (int i = 0; i < k->arity; i++) {
            if (i > 0) expected += ',';
            expected += std::to_string(k->param_sizes[i]);
        }
        if (arg_count != k->arity)
            return launch_error(k, LETHE_EMU_ERR_ARGUMENTS, "%d arguments given; the kernel takes %d (of %s bytes)", arg_count,
                                k->arity, expected.c_str());
        for (int i = 0; arg_sizes != nullptr && i < arg_count; i++)
            if (arg_sizes[i] != k->param_sizes[i])
                return launch_error(k, LETHE_EMU_ERR_ARGUMENTS,
                                    "argument %d is %d bytes but parameter %d of the kernel is %d bytes (parameters: %s bytes)", i,
                                    arg_sizes[i], i, k->param_sizes[i], expected.c_str());
    }

    std::lock_guard<std::mutex> lock(launch_mutex);
    auto started = std::chrono::steady_clock::now();
    Launch l;
    l.kernel = k;
    l.fn = k->fn;
    l.trampoline = k->trampoline;
    l.counted = bytes_twin(k->name.c_str(), k->arity, &l.fn, &l.trampoline);
    if (l.counted) bytes_begin();
    l.grid = dim3(gx, gy, gz);
    l.block = dim3(bx, by, bz);
    l.dynamic_shared = dynamic_shared_bytes;
    l.args = args;
    l.blocks = std::uint64_t(gx) * gy * gz;
    int workers = configured_workers > 0 ? configured_workers : default_workers();
    if (l.blocks == 1 || workers == 1) {
        run_blocks(l);
    } else {
        if (pool == nullptr) {
            pool = new Pool();
            pool->start(workers - 1);
        }
        pool->run(l);
    }
    auto ran = std::chrono::steady_clock::now();
    if (l.counted) {
        std::uint64_t read = 0, written = 0;
        bytes_end(&read, &written);
        k->counted_launches++;
        k->bytes_read += read;
        k->bytes_written += written;
    }
    // guards: of the allocations the arguments point into; of all of them when few, and at every 64th launch
    std::uintptr_t candidates[64];
    int n_candidates = 0;
    for (int i = 0; i < k->arity && n_candidates < 64; i++)
        if (k->param_sizes[i] == 8 && args[i] != nullptr) std::memcpy(&candidates[n_candidates++], args[i], 8);
    bool full = number % FULL_GUARD_CHECK_EVERY == 0 || allocation_count() <= FULL_GUARD_CHECK_BELOW;
    bool found_by_full = false;
    std::string damage = check_guards(candidates, n_candidates, full, &found_by_full);
    if (found_by_full)
        damage += "; found by the periodic full guard check, so the write may come from any of the launches since #" +
                  std::to_string(last_full_check) + " (not through a pointer argument)";
    if (full) last_full_check = number;
    auto checked = std::chrono::steady_clock::now();
    k->launches++;
    k->blocks += l.blocks;
    k->threads += l.blocks * threads;
    k->ns += std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(checked - started).count());
    k->guard_ns += std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(checked - ran).count());
    if (!profile_registered && profile_wanted()) {
        profile_registered = true;
        std::atexit(print_profile_at_exit);
    }
    if (l.fault_code != 0) {
        if (!damage.empty()) l.fault_message += "; it also " + damage;
        return launch_error(k, l.fault_code, "%s", l.fault_message.c_str());
    }
    if (!damage.empty()) return launch_error(k, LETHE_EMU_ERR_OUT_OF_BOUNDS, "out-of-bounds write: %s", damage.c_str());
    return LETHE_EMU_OK;
}

LETHE_EMU_API int lethe_emu_profile(char* buf, size_t capacity) {
    std::string text;
    {
        std::lock_guard<std::mutex> lock(launch_mutex);
        text = profile_text();
    }
    if (buf != nullptr && capacity > 0) {
        std::size_t n = std::min(text.size(), capacity - 1);
        std::memcpy(buf, text.data(), n);
        buf[n] = '\0';
    }
    return int(std::min<std::size_t>(text.size(), INT32_MAX));
}

LETHE_EMU_API void lethe_emu_profile_reset(void) {
    std::lock_guard<std::mutex> lock(launch_mutex);
    for (Kernel& k : registry()) k.launches = k.blocks = k.threads = k.ns = k.guard_ns = 0;
}

LETHE_EMU_API int lethe_emu_kernel_bytes(const char* name, uint64_t* counted_launches, uint64_t* read, uint64_t* written) {
    Kernel* k;
    {
        std::lock_guard<std::mutex> lock(registry_mutex);
        k = find_kernel(name);
    }
    if (k == nullptr) return set_error(LETHE_EMU_ERR_NOT_FOUND, "kernel_bytes: no kernel named %s", name ? name : "(null)");
    std::lock_guard<std::mutex> lock(launch_mutex);
    if (counted_launches) *counted_launches = k->counted_launches;
    if (read) *read = k->bytes_read;
    if (written) *written = k->bytes_written;
    return LETHE_EMU_OK;
}
