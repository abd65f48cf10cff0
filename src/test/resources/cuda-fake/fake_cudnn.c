/*
 * A fake cuDNN 9 (libcudnn.so.9) for testing Lethe's cuDNN binding (CudnnLibrary, CudnnConvolutions) and CudaNn's
 * cuDNN path without a GPU: the legacy convolution API subset Lethe binds, with the prototypes of cudnn_graph.h,
 * cudnn_ops.h and cudnn_cnn.h written out by hand (no cuDNN headers on the build machines), computing on "device"
 * pointers that are host memory (the CUDA emulator's and the fake driver's are). It shares no code with the binding:
 *
 *  - descriptors are typed (a tensor descriptor passed where a filter descriptor is expected is
 *    CUDNN_STATUS_BAD_PARAM), must have been set, and are checked against each other as cuDNN does: x [N,C,H,W],
 *    w [K,C,R,S], y [N,K,P,Q] with P, Q the output sizes of the convolution descriptor's padding, stride and dilation;
 *    format NCHW and data type FLOAT only (anything else: CUDNN_STATUS_NOT_SUPPORTED / BAD_PARAM);
 *  - the convolutions are naive loops in double: CUDNN_CROSS_CORRELATION, or CUDNN_CONVOLUTION (the filter flipped),
 *    out = alpha * result + beta * out, and beta == 0 means out is not read (so NaN there does not propagate);
 *  - cudnnAddTensor: C = alpha * A + beta * C, A's dimensions each equal to C's or 1 (broadcast);
 *  - the algorithm searches return, in order: one NOT_SUPPORTED result, one SUCCESS result whose workspace is far too
 *    large (1 << 50 bytes), then the usable ones; an algorithm needs the workspace the *WorkspaceSize call reports,
 *    which the convolution checks (size and non-null) and scribbles on;
 *  - hooks: fake_cudnn_fail (the next call of a function returns a status), fake_cudnn_version, fake_cudnn_record
 *    (how many times each convolution ran, the algorithm, math type, workspace size and stream of the last one),
 *    fake_cudnn_oversized (every algorithm needs 1 << 50 bytes: none fits), fake_cudnn_conversion (the first usable
 *    algorithm is listed with math type CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) and fake_cudnn_live (handles and
 *    descriptors not yet destroyed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int cudnnStatus_t;
enum {
    OK = 0, NOT_INITIALIZED = 1001, BAD_PARAM = 2000, BAD_PARAM_NULL_POINTER = 2002, BAD_PARAM_SHAPE_MISMATCH = 2008,
    NOT_SUPPORTED = 3000, EXECUTION_FAILED = 5000
};
enum { DATA_FLOAT = 0, TENSOR_NCHW = 0, CONVOLUTION = 0, CROSS_CORRELATION = 1, FMA_MATH = 3 };
enum { TENSOR = 0x54454e53, FILTER = 0x46494c54, CONVD = 0x434f4e56, HANDLE = 0x48414e44 };

struct handle { int magic; void *stream; };
struct desc {
    int magic, set;
    int format, dtype, n, c, h, w;                               /* tensors and filters (filters: n = K) */
    int pad_h, pad_w, u, v, dil_h, dil_w, mode, compute, math;   /* convolutions */
};
typedef struct handle *cudnnHandle_t;
typedef struct desc *cudnnTensorDescriptor_t, *cudnnFilterDescriptor_t, *cudnnConvolutionDescriptor_t;

typedef struct {
    int algo;
    cudnnStatus_t status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
} perf_t;

/* ---- hooks ---------------------------------------------------------------------------------------------------- */

static char fail_name[128];
static int fail_status;
static size_t version = 91900;
static int live;
/* per direction (0 forward, 1 backward data, 2 backward filter, 3 add tensor): calls, last algo, math, workspace */
static int calls[4], last_algo[4] = {-1, -1, -1, -1}, last_math[4] = {-1, -1, -1, -1};
static size_t last_workspace[4];
static void *last_stream[4];
static int oversized;  /* fake_cudnn_oversized(1): every algorithm asks for 1 << 50 bytes of workspace */

void fake_cudnn_fail(const char *name, int status) {
    strncpy(fail_name, name, sizeof fail_name - 1);
    fail_name[sizeof fail_name - 1] = 0;
    fail_status = status;
}
void fake_cudnn_version(long v) { version = (size_t)v; }
void fake_cudnn_oversized(int on) { oversized = on; }
static int conversion;  /* fake_cudnn_conversion(1): the first usable algorithm is listed with math type 2 */
void fake_cudnn_conversion(int on) { conversion = on; }
int fake_cudnn_live(void) { return live; }
/* out[0..3] calls, out[4..7] algo, out[8..11] math type, out[12..15] workspace bytes, out[16..19] stream */
void fake_cudnn_record(long *out) {
    for (int i = 0; i < 4; i++) {
        out[i] = calls[i]; out[4 + i] = last_algo[i]; out[8 + i] = last_math[i];
        out[12 + i] = (long)last_workspace[i]; out[16 + i] = (long)(intptr_t)last_stream[i];
    }
}
void fake_cudnn_reset(void) {
    for (int i = 0; i < 4; i++) { calls[i] = 0; last_algo[i] = -1; last_math[i] = -1; last_workspace[i] = 0; last_stream[i] = 0; }
    fail_name[0] = 0; fail_status = 0; version = 91900; oversized = 0; conversion = 0;
}

#define FAILPOINT(name) do { if (fail_status && strcmp(fail_name, name) == 0) { int s_ = fail_status; fail_status = 0; return s_; } } while (0)

/* ---- library, handle, errors -------------------------------------------------------------------------------- */

size_t cudnnGetVersion(void) { return version; }

const char *cudnnGetErrorString(cudnnStatus_t s) {
    switch (s) {
        case OK: return "CUDNN_STATUS_SUCCESS";
        case NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
        case BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
        case BAD_PARAM_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
        case BAD_PARAM_SHAPE_MISMATCH: return "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH";
        case NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
        case EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
        default: return "CUDNN_STATUS_UNKNOWN";
    }
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *h) {
    FAILPOINT("cudnnCreate");
    if (!h) return BAD_PARAM_NULL_POINTER;
    *h = calloc(1, sizeof **h);
    (*h)->magic = HANDLE;
    live++;
    return OK;
}
static int bad_handle(cudnnHandle_t h) { return !h || h->magic != HANDLE; }
cudnnStatus_t cudnnDestroy(cudnnHandle_t h) {
    FAILPOINT("cudnnDestroy");
    if (bad_handle(h)) return BAD_PARAM;
    h->magic = 0; free(h); live--;
    return OK;
}
cudnnStatus_t cudnnSetStream(cudnnHandle_t h, void *stream) {
    FAILPOINT("cudnnSetStream");
    if (bad_handle(h)) return BAD_PARAM;
    h->stream = stream;
    return OK;
}

/* ---- descriptors -------------------------------------------------------------------------------------------- */

static cudnnStatus_t create(struct desc **d, int magic) {
    if (!d) return BAD_PARAM_NULL_POINTER;
    *d = calloc(1, sizeof **d);
    (*d)->magic = magic;
    (*d)->math = 0;  /* CUDNN_DEFAULT_MATH */
    live++;
    return OK;
}
static cudnnStatus_t destroy(struct desc *d, int magic) {
    if (!d || d->magic != magic) return BAD_PARAM;
    d->magic = 0; free(d); live--;
    return OK;
}
static int is(const struct desc *d, int magic) { return d && d->magic == magic && d->set; }

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *d) { FAILPOINT("cudnnCreateTensorDescriptor"); return create(d, TENSOR); }
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d) { FAILPOINT("cudnnDestroyTensorDescriptor"); return destroy(d, TENSOR); }
cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *d) { FAILPOINT("cudnnCreateFilterDescriptor"); return create(d, FILTER); }
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d) { FAILPOINT("cudnnDestroyFilterDescriptor"); return destroy(d, FILTER); }
cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *d) { FAILPOINT("cudnnCreateConvolutionDescriptor"); return create(d, CONVD); }
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t d) { FAILPOINT("cudnnDestroyConvolutionDescriptor"); return destroy(d, CONVD); }

static cudnnStatus_t set4d(struct desc *d, int magic, int format, int dtype, int n, int c, int h, int w) {
    if (!d || d->magic != magic) return BAD_PARAM;
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return BAD_PARAM;
    if ((long long)n * c * h * w > 0x7fffffffLL) return BAD_PARAM;
    if (format < 0 || format > 2 || dtype < 0 || dtype > 21) return BAD_PARAM;
    if (format != TENSOR_NCHW || dtype != DATA_FLOAT) return NOT_SUPPORTED;  /* all this fake computes */
    d->format = format; d->dtype = dtype; d->n = n; d->c = c; d->h = h; d->w = w; d->set = 1;
    return OK;
}
cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, int format, int dataType, int n, int c, int h, int w) {
    FAILPOINT("cudnnSetTensor4dDescriptor");
    return set4d(d, TENSOR, format, dataType, n, c, h, w);
}
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, int dataType, int format, int k, int c, int h, int w) {
    FAILPOINT("cudnnSetFilter4dDescriptor");
    return set4d(d, FILTER, format, dataType, k, c, h, w);
}
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
                                              int dilation_h, int dilation_w, int mode, int computeType) {
    FAILPOINT("cudnnSetConvolution2dDescriptor");
    if (!d || d->magic != CONVD) return BAD_PARAM;
    if (pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 || dilation_w <= 0) return BAD_PARAM;
    if (mode != CONVOLUTION && mode != CROSS_CORRELATION) return BAD_PARAM;
    if (computeType < 0 || computeType > 21) return BAD_PARAM;
    if (computeType != DATA_FLOAT) return NOT_SUPPORTED;
    d->pad_h = pad_h; d->pad_w = pad_w; d->u = u; d->v = v; d->dil_h = dilation_h; d->dil_w = dilation_w;
    d->mode = mode; d->compute = computeType; d->set = 1;
    return OK;
}
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, int mathType) {
    FAILPOINT("cudnnSetConvolutionMathType");
    if (!d || d->magic != CONVD) return BAD_PARAM;
    if (mathType < 0 || mathType > 3) return BAD_PARAM;
    d->math = mathType;
    return OK;
}

/* x [N,C,H,W], w [K,C,R,S], y [N,K,P,Q] consistent with the convolution descriptor */
static cudnnStatus_t check_shapes(const struct desc *x, const struct desc *w, const struct desc *cv, const struct desc *y) {
    if (!is(x, TENSOR) || !is(w, FILTER) || !is(cv, CONVD) || !is(y, TENSOR)) return BAD_PARAM;
    if (x->c != w->c || y->n != x->n || y->c != w->n) return BAD_PARAM;
    long ph = (long)x->h + 2L * cv->pad_h - (long)cv->dil_h * (w->h - 1) - 1;
    long pw = (long)x->w + 2L * cv->pad_w - (long)cv->dil_w * (w->w - 1) - 1;
    if (ph < 0 || pw < 0) return BAD_PARAM;
    if (y->h != ph / cv->u + 1 || y->w != pw / cv->v + 1) return BAD_PARAM;
    return OK;
}

/* ---- algorithms and workspaces -------------------------------------------------------------------------------- */

/* The usable algorithms of each direction and the workspace each needs (bytes, a function of the shapes). */
static const int usable[3][2] = {{1, 0}, {1, 0}, {1, 3}};
static size_t workspace_of(int dir, int algo, const struct desc *w) {
    if (oversized) return (size_t)1 << 50;
    if (algo == usable[dir][0]) return (size_t)(w->n * w->c) * 4 + 64 * (size_t)(dir + 1);
    return 0;
}
static int known(int dir, int algo) { return algo == usable[dir][0] || algo == usable[dir][1]; }

static cudnnStatus_t search(int dir, const struct desc *x, const struct desc *w, const struct desc *cv, const struct desc *y,
                            int requested, int *returned, perf_t *perf) {
    cudnnStatus_t st = check_shapes(x, w, cv, y);
    if (st) return st;
    if (!returned || !perf) return BAD_PARAM_NULL_POINTER;
    if (requested <= 0) return BAD_PARAM;
    perf_t all[4];
    memset(all, 0, sizeof all);
    all[0].algo = 5; all[0].status = NOT_SUPPORTED; all[0].time = -1; all[0].memory = 0; all[0].mathType = cv->math;
    all[1].algo = 2; all[1].status = OK; all[1].time = 0.5f; all[1].memory = (size_t)1 << 50; all[1].mathType = cv->math;
    for (int i = 0; i < 2; i++) {
        all[2 + i].algo = usable[dir][i]; all[2 + i].status = OK; all[2 + i].time = 1.0f + i;
        all[2 + i].memory = workspace_of(dir, usable[dir][i], w); all[2 + i].mathType = cv->math;
        all[2 + i].determinism = 1;
    }
    if (conversion) all[2].mathType = 2;  /* CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION */
    int n = requested < 4 ? requested : 4;
    memcpy(perf, all, n * sizeof *perf);
    *returned = n;
    return OK;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t src, cudnnFilterDescriptor_t filter,
        cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t dest, int requested, int *returned, perf_t *perf) {
    FAILPOINT("cudnnGetConvolutionForwardAlgorithm_v7");
    if (bad_handle(h)) return BAD_PARAM;
    return search(0, src, filter, conv, dest, requested, returned, perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t h, cudnnFilterDescriptor_t filter, cudnnTensorDescriptor_t diff,
        cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t grad, int requested, int *returned, perf_t *perf) {
    FAILPOINT("cudnnGetConvolutionBackwardDataAlgorithm_v7");
    if (bad_handle(h)) return BAD_PARAM;
    return search(1, grad, filter, conv, diff, requested, returned, perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t h, cudnnTensorDescriptor_t src, cudnnTensorDescriptor_t diff,
        cudnnConvolutionDescriptor_t conv, cudnnFilterDescriptor_t grad, int requested, int *returned, perf_t *perf) {
    FAILPOINT("cudnnGetConvolutionBackwardFilterAlgorithm_v7");
    if (bad_handle(h)) return BAD_PARAM;
    return search(2, src, grad, conv, diff, requested, returned, perf);
}

static cudnnStatus_t workspace(int dir, const struct desc *x, const struct desc *w, const struct desc *cv, const struct desc *y,
                               int algo, size_t *size) {
    cudnnStatus_t st = check_shapes(x, w, cv, y);
    if (st) return st;
    if (!size) return BAD_PARAM_NULL_POINTER;
    if (!known(dir, algo)) return NOT_SUPPORTED;
    *size = workspace_of(dir, algo, w);
    return OK;
}
cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
        cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t y, int algo, size_t *size) {
    FAILPOINT("cudnnGetConvolutionForwardWorkspaceSize");
    if (bad_handle(h)) return BAD_PARAM;
    return workspace(0, x, w, conv, y, algo, size);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t h, cudnnFilterDescriptor_t w, cudnnTensorDescriptor_t dy,
        cudnnConvolutionDescriptor_t conv, cudnnTensorDescriptor_t dx, int algo, size_t *size) {
    FAILPOINT("cudnnGetConvolutionBackwardDataWorkspaceSize");
    if (bad_handle(h)) return BAD_PARAM;
    return workspace(1, dx, w, conv, dy, algo, size);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t h, cudnnTensorDescriptor_t x, cudnnTensorDescriptor_t dy,
        cudnnConvolutionDescriptor_t conv, cudnnFilterDescriptor_t dw, int algo, size_t *size) {
    FAILPOINT("cudnnGetConvolutionBackwardFilterWorkspaceSize");
    if (bad_handle(h)) return BAD_PARAM;
    return workspace(2, x, dw, conv, dy, algo, size);
}

/* ---- the convolutions ------------------------------------------------------------------------------------------ */

/* The filter tap used for kernel position (r, s): flipped for CUDNN_CONVOLUTION. */
static size_t tap(const struct desc *w, const struct desc *cv, int k, int c, int r, int s) {
    if (cv->mode == CONVOLUTION) { r = w->h - 1 - r; s = w->w - 1 - s; }
    return (((size_t)k * w->c + c) * w->h + r) * w->w + s;
}

/* Shared checks of a convolution call; records it. */
static cudnnStatus_t prologue(int dir, cudnnHandle_t h, const void *alpha, const void *beta, const struct desc *x,
                              const struct desc *w, const struct desc *cv, const struct desc *y, const void *a, const void *b,
                              const void *c, int algo, void *ws, size_t ws_bytes) {
    if (bad_handle(h)) return BAD_PARAM;
    cudnnStatus_t st = check_shapes(x, w, cv, y);
    if (st) return st;
    if (!alpha || !beta || !a || !b || !c) return BAD_PARAM_NULL_POINTER;
    if (!known(dir, algo)) return NOT_SUPPORTED;
    size_t need = workspace_of(dir, algo, w);
    if (ws_bytes < need || (need > 0 && !ws)) return BAD_PARAM;
    if (ws && ws_bytes > 0) memset(ws, 0xA5, need > 0 ? need : 1);  /* it must be writable memory */
    calls[dir]++; last_algo[dir] = algo; last_math[dir] = cv->math; last_workspace[dir] = ws_bytes; last_stream[dir] = h->stream;
    return OK;
}

static void store(float *out, size_t i, double value, float alpha, float beta) {
    out[i] = (float)(alpha * value + (beta == 0 ? 0.0 : (double)beta * out[i]));
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
        cudnnFilterDescriptor_t wd, const void *w, cudnnConvolutionDescriptor_t cv, int algo, void *ws, size_t ws_bytes,
        const void *beta, cudnnTensorDescriptor_t yd, void *y) {
    FAILPOINT("cudnnConvolutionForward");
    cudnnStatus_t st = prologue(0, h, alpha, beta, xd, wd, cv, yd, x, w, y, algo, ws, ws_bytes);
    if (st) return st;
    const float *X = x, *W = w;
    float *Y = y, al = *(const float *)alpha, be = *(const float *)beta;
    for (int n = 0; n < yd->n; n++)
        for (int k = 0; k < yd->c; k++)
            for (int p = 0; p < yd->h; p++)
                for (int q = 0; q < yd->w; q++) {
                    double sum = 0;
                    for (int c = 0; c < xd->c; c++)
                        for (int r = 0; r < wd->h; r++)
                            for (int s = 0; s < wd->w; s++) {
                                int ih = p * cv->u - cv->pad_h + r * cv->dil_h, iw = q * cv->v - cv->pad_w + s * cv->dil_w;
                                if (ih < 0 || ih >= xd->h || iw < 0 || iw >= xd->w) continue;
                                sum += (double)X[(((size_t)n * xd->c + c) * xd->h + ih) * xd->w + iw] * W[tap(wd, cv, k, c, r, s)];
                            }
                    store(Y, (((size_t)n * yd->c + k) * yd->h + p) * yd->w + q, sum, al, be);
                }
    return OK;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t h, const void *alpha, cudnnFilterDescriptor_t wd, const void *w,
        cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cv, int algo, void *ws, size_t ws_bytes,
        const void *beta, cudnnTensorDescriptor_t dxd, void *dx) {
    FAILPOINT("cudnnConvolutionBackwardData");
    cudnnStatus_t st = prologue(1, h, alpha, beta, dxd, wd, cv, dyd, w, dy, dx, algo, ws, ws_bytes);
    if (st) return st;
    const float *W = w, *DY = dy;
    float *DX = dx, al = *(const float *)alpha, be = *(const float *)beta;
    /* dx[n,c,ih,iw] = sum over k, r, s, p, q with p*u - pad + r*dil = ih (likewise w) of dy[n,k,p,q] w[k,c,r,s] */
    for (int n = 0; n < dxd->n; n++)
        for (int c = 0; c < dxd->c; c++)
            for (int ih = 0; ih < dxd->h; ih++)
                for (int iw = 0; iw < dxd->w; iw++) {
                    double sum = 0;
                    for (int k = 0; k < dyd->c; k++)
                        for (int r = 0; r < wd->h; r++)
                            for (int s = 0; s < wd->w; s++) {
                                int ph = ih + cv->pad_h - r * cv->dil_h, pw = iw + cv->pad_w - s * cv->dil_w;
                                if (ph < 0 || pw < 0 || ph % cv->u || pw % cv->v) continue;
                                int p = ph / cv->u, q = pw / cv->v;
                                if (p >= dyd->h || q >= dyd->w) continue;
                                sum += (double)DY[(((size_t)n * dyd->c + k) * dyd->h + p) * dyd->w + q] * W[tap(wd, cv, k, c, r, s)];
                            }
                    store(DX, (((size_t)n * dxd->c + c) * dxd->h + ih) * dxd->w + iw, sum, al, be);
                }
    return OK;
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t xd, const void *x,
        cudnnTensorDescriptor_t dyd, const void *dy, cudnnConvolutionDescriptor_t cv, int algo, void *ws, size_t ws_bytes,
        const void *beta, cudnnFilterDescriptor_t dwd, void *dw) {
    FAILPOINT("cudnnConvolutionBackwardFilter");
    cudnnStatus_t st = prologue(2, h, alpha, beta, xd, dwd, cv, dyd, x, dy, dw, algo, ws, ws_bytes);
    if (st) return st;
    const float *X = x, *DY = dy;
    float *DW = dw, al = *(const float *)alpha, be = *(const float *)beta;
    for (int k = 0; k < dwd->n; k++)
        for (int c = 0; c < dwd->c; c++)
            for (int r = 0; r < dwd->h; r++)
                for (int s = 0; s < dwd->w; s++) {
                    double sum = 0;
                    for (int n = 0; n < xd->n; n++)
                        for (int p = 0; p < dyd->h; p++)
                            for (int q = 0; q < dyd->w; q++) {
                                int ih = p * cv->u - cv->pad_h + r * cv->dil_h, iw = q * cv->v - cv->pad_w + s * cv->dil_w;
                                if (ih < 0 || ih >= xd->h || iw < 0 || iw >= xd->w) continue;
                                sum += (double)X[(((size_t)n * xd->c + c) * xd->h + ih) * xd->w + iw]
                                       * DY[(((size_t)n * dyd->c + k) * dyd->h + p) * dyd->w + q];
                            }
                    store(DW, tap(dwd, cv, k, c, r, s), sum, al, be);
                }
    return OK;
}

cudnnStatus_t cudnnAddTensor(cudnnHandle_t h, const void *alpha, cudnnTensorDescriptor_t ad, const void *a, const void *beta,
                             cudnnTensorDescriptor_t cd, void *c) {
    FAILPOINT("cudnnAddTensor");
    if (bad_handle(h)) return BAD_PARAM;
    if (!is(ad, TENSOR) || !is(cd, TENSOR)) return BAD_PARAM;
    if (!alpha || !beta || !a || !c) return BAD_PARAM_NULL_POINTER;
    int ad_dims[4] = {ad->n, ad->c, ad->h, ad->w}, cd_dims[4] = {cd->n, cd->c, cd->h, cd->w};
    for (int i = 0; i < 4; i++)
        if (ad_dims[i] != cd_dims[i] && ad_dims[i] != 1) return BAD_PARAM;
    const float *A = a;
    float *C = c, al = *(const float *)alpha, be = *(const float *)beta;
    for (int n = 0; n < cd->n; n++)
        for (int k = 0; k < cd->c; k++)
            for (int y = 0; y < cd->h; y++)
                for (int x = 0; x < cd->w; x++) {
                    size_t ai = (((size_t)(ad->n == 1 ? 0 : n) * ad->c + (ad->c == 1 ? 0 : k)) * ad->h + (ad->h == 1 ? 0 : y))
                                * ad->w + (ad->w == 1 ? 0 : x);
                    store(C, (((size_t)n * cd->c + k) * cd->h + y) * cd->w + x, A[ai], al, be);
                }
    calls[3]++; last_stream[3] = h->stream;
    return OK;
}
