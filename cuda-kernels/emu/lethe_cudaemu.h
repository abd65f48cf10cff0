/* lethe_cudaemu.h: the C ABI of liblethe_cudaemu.so, the CPU emulator of a CUDA device that runs Lethe's kernels
 * (the cuda-kernels/ sources built with g++ -DLETHE_EMULATE). Bound from Java by ai.lethe.backend.cuda.EmulatedRuntime.
 *
 * Device pointers are host addresses of guarded allocations. Every call returns 0 or one of the LETHE_EMU_ERR_*
 * codes; the message of the last error (naming the kernel for launch errors) is kept per calling thread, like
 * cudaGetLastError's, and read with lethe_emu_last_error. Streams and events exist for the runtime interface's sake: every operation completes
 * before its call returns, so a stream is only a handle and an event a timestamp.
 */
#ifndef LETHE_CUDAEMU_H
#define LETHE_CUDAEMU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    LETHE_EMU_OK = 0,
    LETHE_EMU_ERR_NOT_FOUND = 1,        /* no kernel of that name */
    LETHE_EMU_ERR_BLOCK_SIZE = 2,       /* block of 0 or more than 1024 threads, or more than the launch bound */
    LETHE_EMU_ERR_GRID = 3,             /* grid x >= 2^31, y or z > 65535, or 0 */
    LETHE_EMU_ERR_SHARED_MEMORY = 4,    /* static + dynamic shared memory over 48 KiB without opt-in, or over 227 KiB */
    LETHE_EMU_ERR_MISALIGNED = 5,       /* a vector access at an address not a multiple of its size */
    LETHE_EMU_ERR_OUT_OF_BOUNDS = 6,    /* a write into an allocation's guard zone (found after the launch) */
    LETHE_EMU_ERR_BARRIER = 7,          /* threads exited while others waited at __syncthreads, or a deadlock */
    LETHE_EMU_ERR_WARP_DIVERGENCE = 8,  /* lanes of a warp operation's mask did not all reach the same operation */
    LETHE_EMU_ERR_INVALID_VALUE = 9,    /* a bad argument: unknown pointer, range outside its allocation, ... */
    LETHE_EMU_ERR_OUT_OF_MEMORY = 10,
    LETHE_EMU_ERR_TRAP = 11,            /* the kernel called __trap() */
    LETHE_EMU_ERR_ARGUMENTS = 12,       /* a launch's arguments do not match the kernel's parameters (count, sizes) */
    LETHE_EMU_ERR_STACK_OVERFLOW = 13   /* a kernel thread overflowed its fiber stack (64 KiB; see emu/fiber.h) */
};

/** The 32-bit pattern new allocations and guard zones are filled with: a quiet NaN as a float. */
#define LETHE_EMU_NAN_BITS 0x7FF0DEADu
/** Bytes of guard zone before every allocation (after it: this plus the rounding up to 256 bytes). */
#define LETHE_EMU_GUARD_BYTES 1024

/** The code of the calling thread's last error, and its message copied (truncated, NUL-terminated) into buf. 0 when none. */
int lethe_emu_last_error(char* buf, size_t capacity);
/** Forgets the last error. */
void lethe_emu_clear_error(void);

/* ---- memory */
int lethe_emu_malloc(void** out, size_t bytes);
int lethe_emu_free(void* ptr);
int lethe_emu_memcpy_h2d(void* dst, const void* src, size_t bytes);
int lethe_emu_memcpy_d2h(void* dst, const void* src, size_t bytes);
int lethe_emu_memcpy_d2d(void* dst, const void* src, size_t bytes);
int lethe_emu_memset_d8(void* dst, unsigned value, size_t count);
int lethe_emu_memset_d32(void* dst, unsigned value, size_t count);
/** 0 when [p, p + bytes) lies inside one live allocation, else LETHE_EMU_ERR_INVALID_VALUE with a message naming
 *  call and which (e.g. "sgemm", "A"): lets host-side device work (the emulator's GEMM through OpenBLAS) be
 *  range-checked like copies are. bytes == 0 is always fine. */
int lethe_emu_check_range(const char* call, const char* which, const void* p, size_t bytes);
/** Bytes allocated now and at most since the start (or the last reset), and live allocations. */
void lethe_emu_mem_stats(uint64_t* live_bytes, uint64_t* peak_bytes, uint64_t* live_allocations);
void lethe_emu_reset_peak(void);

/* ---- kernels */
int lethe_emu_kernel_count(void);
/** The i-th registered kernel's name (static storage), or NULL. */
const char* lethe_emu_kernel_name(int i);
/** The kernel's launch bound (most threads a block) and its parameter count; ERR_NOT_FOUND when unknown. */
int lethe_emu_kernel_info(const char* name, int* max_threads, int* arity);
/** Declares the kernel's static shared memory (the emulator cannot measure it; the ptxas report knows it). */
int lethe_emu_set_static_shared(const char* name, int bytes);
/** cuFuncSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES): the kernel's dynamic shared opt-in. */
int lethe_emu_set_max_dynamic_shared(const char* name, int bytes);
/**
 * Runs the kernel on the grid, synchronously, and checks every allocation's guard zones afterwards. args is
 * cuLaunchKernel's kernelParams: one pointer per parameter, to its value. arg_count (>= 0) and arg_sizes (the
 * size in bytes of each argument, may be NULL) are checked against the kernel's parameters; arg_count < 0 skips
 * the check.
 */
int lethe_emu_launch(const char* name, unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x,
                     unsigned block_y, unsigned block_z, unsigned dynamic_shared_bytes, void** args,
                     int arg_count, const int* arg_sizes);
/** Launches so far (successful or not). */
uint64_t lethe_emu_launch_count(void);
/** Worker OS threads the blocks of a grid are spread over (set once, before the first launch; 0 = the default:
 * the environment variable LETHE_EMU_WORKERS, else the number of cores up to 8). */
int lethe_emu_set_workers(int workers);
/**
 * The per-kernel profile of the launches so far, slowest kernel first: launches, blocks, threads, wall time of the
 * launches (guard checks included) and of their guard checks, as text copied (truncated, NUL-terminated) into buf;
 * returns the text's full length. Always collected (two clock reads a launch); with the environment variable
 * LETHE_EMU_PROFILE=1 it is also printed to stderr when the process exits.
 */
int lethe_emu_profile(char* buf, size_t capacity);
/** Zeroes the profile. */
void lethe_emu_profile_reset(void);

/* ---- bytes moved (emu/bytes.cpp): the bytes of device memory kernels read and write, counted exactly by their
 * instrumented twins while byte counting is on (off by default: the twins are slower) */
/** Turns byte counting on (non-zero) or off for the launches that follow. */
int lethe_emu_set_byte_counting(int on);
/** 1 when byte counting is on. */
int lethe_emu_byte_counting(void);
/** Kernels that have a byte-counting twin. */
int lethe_emu_counted_kernel_count(void);
/** Totals since the start: bytes read and written by counted launches, counted launches, and launches made while
 *  counting was on by kernels without a twin (not counted). */
void lethe_emu_bytes(uint64_t* read, uint64_t* written, uint64_t* counted_launches, uint64_t* uncounted_launches);
/** One kernel's counted launches and the bytes they read and wrote; ERR_NOT_FOUND when unknown. */
int lethe_emu_kernel_bytes(const char* name, uint64_t* counted_launches, uint64_t* read, uint64_t* written);

/* ---- streams and events (synchronous: see the header comment) */
int lethe_emu_stream_create(uint64_t* out);
int lethe_emu_stream_destroy(uint64_t stream);
int lethe_emu_stream_synchronize(uint64_t stream);
int lethe_emu_event_create(uint64_t* out);
int lethe_emu_event_destroy(uint64_t event);
int lethe_emu_event_record(uint64_t event, uint64_t stream);
int lethe_emu_event_synchronize(uint64_t event);
int lethe_emu_event_elapsed_ms(float* ms, uint64_t start, uint64_t end);

#ifdef __cplusplus
}
#endif
#endif
