/*
 * A fake CUDA driver (libcuda.so.1) for testing NvidiaRuntime's FFM calls without a GPU. It is compiled against the
 * toolkit's own cuda.h, so every function here has the prototype (and, through cuda.h's #defines, the versioned
 * symbol name: cuMemAlloc -> cuMemAlloc_v2) of the real driver; a Java call through a wrong descriptor would pass
 * wrong values and the test would see them. "Device memory" is host memory (malloc), copies are memcpy, streams and
 * events are counters. It keeps the driver's rules the runtime depends on: cuInit first, a current context per
 * thread for everything after it (else CUDA_ERROR_INVALID_CONTEXT), cuModuleLoadData takes a fatbin (magic
 * 0xBA55ED50) and cuModuleGetFunction finds a kernel only by a name present in it. Test hooks (fake_*) inject
 * failures, set the reported version and device, and record the last launch.
 * Graphs: one stream at a time may be captured; memsets, device-to-device copies and launches queued on it are kept
 * in the graph (not run), and cuGraphLaunch runs them in order (a launch sets the last launch).
 */
#include <cuda.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int initialised;
static int driver_version = 13000;
static int device_count = 1;
static int cc_major = 9, cc_minor = 0;
static __thread CUcontext current;
static struct CUctx_st { int dummy; } the_context;
static int ctx_refs;
static size_t live_bytes;
static unsigned long long counter = 1;

static char fail_name[128];
static CUresult fail_code;

/* the last launch */
static char launch_name[256];
static unsigned launch_dims[7];
static CUstream launch_stream;
static int launch_param_count;
static unsigned long long launch_params[32];
static int launch_extra_null;

struct fn { char name[256]; };
struct mod { const unsigned char *image; size_t size; };

/* graphs: a list of operations (kind 0 memset32, 1 memset8, 2 copy, 3 launch) */
struct op { int kind; CUdeviceptr dst, src; size_t n; unsigned value; char name[256]; };
struct graph { int count; struct op ops[256]; };
static CUstream capturing;
static struct graph *capture_graph;
static int capture_op(int kind, CUdeviceptr dst, CUdeviceptr src, size_t n, unsigned value, const char *name) {
    if (!capture_graph || capture_graph->count == 256) return 0;
    struct op *o = &capture_graph->ops[capture_graph->count++];
    o->kind = kind; o->dst = dst; o->src = src; o->n = n; o->value = value;
    strcpy(o->name, name ? name : "");
    return 1;
}


void fake_fail(const char *name, int code) { strncpy(fail_name, name, sizeof fail_name - 1); fail_code = (CUresult)code; }
void fake_set(int version, int devices, int major, int minor) { driver_version = version; device_count = devices; cc_major = major; cc_minor = minor; }
int fake_context_refs(void) { return ctx_refs; }
long long fake_live_bytes(void) { return (long long)live_bytes; }
void fake_expect_params(int n) { launch_param_count = n; }
/* copies the last launch: name, 7 dims (grid xyz, block xyz, shared), stream, the first n 8-byte values, extra==NULL */
int fake_last_launch(char *name, unsigned *dims, void **stream, unsigned long long *params, int *extra_null) {
    strcpy(name, launch_name);
    memcpy(dims, launch_dims, sizeof launch_dims);
    *stream = launch_stream;
    memcpy(params, launch_params, sizeof(unsigned long long) * launch_param_count);
    *extra_null = launch_extra_null;
    return launch_param_count;
}

static CUresult injected(const char *name) {
    if (fail_code != CUDA_SUCCESS && strcmp(name, fail_name) == 0) {
        CUresult c = fail_code;
        fail_code = CUDA_SUCCESS;
        return c;
    }
    return CUDA_SUCCESS;
}
#define ENTER(name) do { CUresult r_ = injected(name); if (r_) return r_; if (!initialised) return CUDA_ERROR_NOT_INITIALIZED; } while (0)
#define ENTER_CTX(name) do { ENTER(name); if (current != &the_context) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

CUresult CUDAAPI cuInit(unsigned int Flags) {
    CUresult r = injected("cuInit");
    if (r) return r;
    if (Flags != 0) return CUDA_ERROR_INVALID_VALUE;
    if (device_count == 0) return CUDA_ERROR_NO_DEVICE;
    initialised = 1;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDriverGetVersion(int *v) { *v = driver_version; return CUDA_SUCCESS; }
CUresult CUDAAPI cuGetErrorName(CUresult e, const char **s) {
    switch ((int)e) {
    case CUDA_ERROR_OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return CUDA_SUCCESS;
    case CUDA_ERROR_ILLEGAL_ADDRESS: *s = "CUDA_ERROR_ILLEGAL_ADDRESS"; return CUDA_SUCCESS;
    case 12345: *s = "CUDA_ERROR_FROM_THE_FUTURE"; return CUDA_SUCCESS;  /* a code newer than the table */
    default: *s = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
}
CUresult CUDAAPI cuGetErrorString(CUresult e, const char **s) {
    switch (e) {
    case CUDA_ERROR_OUT_OF_MEMORY: *s = "out of memory"; return CUDA_SUCCESS;
    case CUDA_ERROR_ILLEGAL_ADDRESS: *s = "an illegal memory access was encountered"; return CUDA_SUCCESS;
    case CUDA_ERROR_NOT_FOUND: *s = "named symbol not found"; return CUDA_SUCCESS;
    default: *s = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
}
CUresult CUDAAPI cuDeviceGetCount(int *count) { ENTER("cuDeviceGetCount"); *count = device_count; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
    ENTER("cuDeviceGet");
    if (ordinal < 0 || ordinal >= device_count) return CUDA_ERROR_INVALID_DEVICE;
    *device = 100 + ordinal;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDeviceGetName(char *name, int len, CUdevice dev) {
    ENTER("cuDeviceGetName");
    if (dev < 100 || len < 16) return CUDA_ERROR_INVALID_VALUE;
    strncpy(name, "Fake GPU H0", (size_t)len);
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDeviceTotalMem(size_t *bytes, CUdevice dev) { ENTER("cuDeviceTotalMem"); if (dev < 100) return CUDA_ERROR_INVALID_DEVICE; *bytes = (size_t)80 << 30; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGetAttribute(int *pi, CUdevice_attribute a, CUdevice dev) {
    ENTER("cuDeviceGetAttribute");
    if (dev < 100) return CUDA_ERROR_INVALID_DEVICE;
    switch (a) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = cc_major; return CUDA_SUCCESS;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = cc_minor; return CUDA_SUCCESS;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = 132; return CUDA_SUCCESS;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *pi = 232448; return CUDA_SUCCESS;
    default: return CUDA_ERROR_INVALID_VALUE;
    }
}
CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) { ENTER("cuDevicePrimaryCtxRetain"); if (dev < 100) return CUDA_ERROR_INVALID_DEVICE; ctx_refs++; *pctx = &the_context; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev) { ENTER("cuDevicePrimaryCtxRelease"); if (dev < 100 || ctx_refs == 0) return CUDA_ERROR_INVALID_CONTEXT; ctx_refs--; return CUDA_SUCCESS; }
CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) { ENTER("cuCtxSetCurrent"); if (ctx != &the_context && ctx != NULL) return CUDA_ERROR_INVALID_CONTEXT; current = ctx; return CUDA_SUCCESS; }
CUresult CUDAAPI cuCtxSynchronize(void) { ENTER_CTX("cuCtxSynchronize"); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemGetInfo(size_t *free_bytes, size_t *total) { ENTER_CTX("cuMemGetInfo"); *total = (size_t)80 << 30; *free_bytes = *total - live_bytes; return CUDA_SUCCESS; }

CUresult CUDAAPI cuModuleLoadData(CUmodule *module, const void *image) {
    ENTER_CTX("cuModuleLoadData");
    const unsigned char *p = image;
    uint32_t magic; uint16_t header; uint64_t payload;
    memcpy(&magic, p, 4); memcpy(&header, p + 6, 2); memcpy(&payload, p + 8, 8);
    if (magic != 0xBA55ED50u) return CUDA_ERROR_INVALID_IMAGE;
    struct mod *m = malloc(sizeof *m);
    m->size = header + payload;
    unsigned char *copy = malloc(m->size);  /* the driver copies the image */
    memcpy(copy, p, m->size);
    m->image = copy;
    *module = (CUmodule)m;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuModuleUnload(CUmodule hmod) { ENTER_CTX("cuModuleUnload"); struct mod *m = (struct mod *)hmod; free((void *)m->image); free(m); return CUDA_SUCCESS; }
CUresult CUDAAPI cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name) {
    ENTER_CTX("cuModuleGetFunction");
    struct mod *m = (struct mod *)hmod;
    size_t n = strlen(name) + 1;  /* the name and its NUL, as in the cubins' string tables */
    for (size_t i = 0; i + n <= m->size; i++)
        if (memcmp(m->image + i, name, n) == 0) {
            struct fn *f = malloc(sizeof *f);
            strncpy(f->name, name, sizeof f->name - 1);
            *hfunc = (CUfunction)f;
            return CUDA_SUCCESS;
        }
    return CUDA_ERROR_NOT_FOUND;
}
CUresult CUDAAPI cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) {
    ENTER_CTX("cuFuncSetAttribute");
    if (attrib != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES || value < 0 || value > 232448 || hfunc == NULL) return CUDA_ERROR_INVALID_VALUE;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                                unsigned int by, unsigned int bz, unsigned int shared, CUstream stream,
                                void **kernelParams, void **extra) {
    ENTER_CTX("cuLaunchKernel");
    if (bx * by * bz > 1024) return CUDA_ERROR_INVALID_VALUE;
    strcpy(launch_name, ((struct fn *)f)->name);
    unsigned d[7] = {gx, gy, gz, bx, by, bz, shared};
    memcpy(launch_dims, d, sizeof d);
    launch_stream = stream;
    for (int i = 0; i < launch_param_count; i++) memcpy(&launch_params[i], kernelParams[i], 8);  /* 8 bytes from each */
    launch_extra_null = extra == NULL;
    if (capturing && stream == capturing) { capture_op(3, 0, 0, 0, 0, launch_name); strcpy(launch_name, "(captured)"); }
    return CUDA_SUCCESS;
}

/* device memory: a size header before each block, so that frees and copies can be checked */
CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytes) {
    ENTER_CTX("cuMemAlloc");
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    size_t *p = aligned_alloc(256, 256 + ((bytes + 255) & ~(size_t)255));
    if (!p) return CUDA_ERROR_OUT_OF_MEMORY;
    p[0] = bytes;
    live_bytes += bytes;
    *dptr = (CUdeviceptr)((char *)p + 256);
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuMemFree(CUdeviceptr dptr) {
    ENTER_CTX("cuMemFree");
    size_t *p = (size_t *)((char *)dptr - 256);
    live_bytes -= p[0];
    free(p);
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuMemAllocHost(void **pp, size_t bytes) { ENTER_CTX("cuMemAllocHost"); *pp = malloc(bytes); return *pp ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY; }
CUresult CUDAAPI cuMemFreeHost(void *p) { ENTER_CTX("cuMemFreeHost"); free(p); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dst, const void *src, size_t n, CUstream s) { (void)s; ENTER_CTX("cuMemcpyHtoDAsync"); memcpy((void *)dst, src, n); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemcpyDtoHAsync(void *dst, CUdeviceptr src, size_t n, CUstream s) { (void)s; ENTER_CTX("cuMemcpyDtoHAsync"); memcpy(dst, (void *)src, n); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) { ENTER_CTX("cuMemcpyDtoDAsync"); if (capturing && s == capturing) return capture_op(2, dst, src, n, 0, NULL) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; memmove((void *)dst, (void *)src, n); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr dst, unsigned char uc, size_t n, CUstream s) { ENTER_CTX("cuMemsetD8Async"); if (capturing && s == capturing) return capture_op(1, dst, 0, n, uc, NULL) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; memset((void *)dst, uc, n); return CUDA_SUCCESS; }
CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dst, unsigned int ui, size_t n, CUstream s) {
    ENTER_CTX("cuMemsetD32Async");
    if (dst % 4) return CUDA_ERROR_INVALID_VALUE;
    if (capturing && s == capturing) return capture_op(0, dst, 0, n, ui, NULL) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
    for (size_t i = 0; i < n; i++) ((unsigned int *)dst)[i] = ui;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuStreamCreate(CUstream *s, unsigned int flags) { ENTER_CTX("cuStreamCreate"); if (flags > 1) return CUDA_ERROR_INVALID_VALUE; *s = (CUstream)(uintptr_t)(0x5000 + 16 * counter++); return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamDestroy(CUstream s) { ENTER_CTX("cuStreamDestroy"); return s ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
CUresult CUDAAPI cuStreamSynchronize(CUstream s) { (void)s; ENTER_CTX("cuStreamSynchronize"); return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamWaitEvent(CUstream s, CUevent e, unsigned int flags) { (void)s; ENTER_CTX("cuStreamWaitEvent"); return e && flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
/* an event is a counter: its "time" is the number of the record call, so elapsed = difference in records (ms) */
struct event { int recorded; float at; };
static float clock_ms;
CUresult CUDAAPI cuEventCreate(CUevent *e, unsigned int flags) { ENTER_CTX("cuEventCreate"); if (flags) return CUDA_ERROR_INVALID_VALUE; *e = (CUevent)calloc(1, sizeof(struct event)); return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventDestroy(CUevent e) { ENTER_CTX("cuEventDestroy"); free(e); return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventRecord(CUevent e, CUstream s) { (void)s; ENTER_CTX("cuEventRecord"); struct event *ev = (struct event *)e; ev->recorded = 1; clock_ms += 1.5f; ev->at = clock_ms; return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventSynchronize(CUevent e) { ENTER_CTX("cuEventSynchronize"); return ((struct event *)e)->recorded ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
CUresult CUDAAPI cuEventElapsedTime(float *ms, CUevent a, CUevent b) {
    ENTER_CTX("cuEventElapsedTime");
    struct event *x = (struct event *)a, *y = (struct event *)b;
    if (!x->recorded || !y->recorded) return CUDA_ERROR_NOT_READY;
    *ms = y->at - x->at;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamBeginCapture(CUstream s, CUstreamCaptureMode mode) {
    ENTER_CTX("cuStreamBeginCapture");
    if (s == NULL) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    if (capturing || mode > CU_STREAM_CAPTURE_MODE_RELAXED) return CUDA_ERROR_ILLEGAL_STATE;
    capturing = s;
    capture_graph = calloc(1, sizeof(struct graph));
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuStreamEndCapture(CUstream s, CUgraph *g) {
    ENTER_CTX("cuStreamEndCapture");
    if (!capturing || s != capturing) return CUDA_ERROR_ILLEGAL_STATE;
    *g = (CUgraph)capture_graph;
    capturing = NULL;
    capture_graph = NULL;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuGraphInstantiate(CUgraphExec *e, CUgraph g, unsigned long long flags) {
    ENTER_CTX("cuGraphInstantiate");
    if (flags) return CUDA_ERROR_INVALID_VALUE;
    struct graph *x = malloc(sizeof(struct graph));
    memcpy(x, g, sizeof(struct graph));
    *e = (CUgraphExec)x;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuGraphExecUpdate(CUgraphExec e, CUgraph g, CUgraphExecUpdateResultInfo *info) {
    ENTER_CTX("cuGraphExecUpdate");
    struct graph *x = (struct graph *)e, *y = (struct graph *)g;
    memset(info, 0, sizeof *info);
    int same = x->count == y->count;
    for (int i = 0; same && i < x->count; i++)
        same = x->ops[i].kind == y->ops[i].kind && strcmp(x->ops[i].name, y->ops[i].name) == 0;
    if (!same) { info->result = CU_GRAPH_EXEC_UPDATE_ERROR_TOPOLOGY_CHANGED; return CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE; }
    memcpy(x, y, sizeof(struct graph));
    info->result = CU_GRAPH_EXEC_UPDATE_SUCCESS;
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuGraphLaunch(CUgraphExec e, CUstream s) {
    ENTER_CTX("cuGraphLaunch");
    if (capturing) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    struct graph *x = (struct graph *)e;
    for (int i = 0; i < x->count; i++) {
        struct op *o = &x->ops[i];
        if (o->kind == 0) for (size_t k = 0; k < o->n; k++) ((unsigned *)o->dst)[k] = o->value;
        else if (o->kind == 1) memset((void *)o->dst, (int)o->value, o->n);
        else if (o->kind == 2) memmove((void *)o->dst, (void *)o->src, o->n);
        else { strcpy(launch_name, o->name); launch_stream = s; }
    }
    return CUDA_SUCCESS;
}
CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec e) { ENTER_CTX("cuGraphExecDestroy"); free(e); return CUDA_SUCCESS; }
CUresult CUDAAPI cuGraphDestroy(CUgraph g) { ENTER_CTX("cuGraphDestroy"); free(g); return CUDA_SUCCESS; }
