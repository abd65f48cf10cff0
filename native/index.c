// index.c — gather / index_select ("take": out[p] = x[p with the axis coordinate replaced by index(p)]) and
// scatter_add / index_add ("put-add": out[p with the axis coordinate replaced by index(p)] += src[p]) over
// strided views of float32 or int64 data. The Java side lays both out as an n-d walk over the positions p:
// the axis stride of x (take) or out (put-add) is zeroed in the layout and passed separately, and index(p)
// is read through an index operand whose strides select the right element (index_select: the index stride
// on the axis, 0 elsewhere). Every index value is checked before any element is moved; the first bad one in
// row-major order of the index tensor is reported.
#include "common.h"

typedef struct {
    int64_t axis_stride;   // elements between consecutive axis positions of x (take) or out (put-add)
    int elem_size;         // 4: float32, 8: int64
} index_ctx;

// layout_of_index = { rank, shape, strides } of the index tensor itself; info = { value, position, 0, size }.
static int check_indices(const int64_t *index_layout, const int64_t *index, int64_t size, int64_t *info) {
    int rank = (int) index_layout[0];
    if (rank < 1 || rank > LETHE_MAX_RANK) return LETHE_ERR_ARG;
    const int64_t *shape = index_layout + 1, *stride = shape + rank;
    int64_t total = 1, coord[LETHE_MAX_RANK] = {0};
    for (int d = 0; d < rank; d++) total *= shape[d];
    int64_t off = 0;
    for (int64_t pos = 0; pos < total; pos++) {
        int64_t v = index[off];
        if (v < 0 || v >= size) {
            info[0] = v;
            info[1] = pos;
            info[2] = 0;
            info[3] = size;
            return LETHE_ERR_INDEX;
        }
        for (int d = rank - 1; d >= 0; d--) {
            off += stride[d];
            if (++coord[d] < shape[d]) break;
            off -= stride[d] * shape[d];
            coord[d] = 0;
        }
    }
    return LETHE_OK;
}

// operands: 0 out, 1 x (axis stride zeroed), 2 index
static void take_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const index_ctx *c = vctx;
    const int64_t *idx = (const int64_t *) ptr[2];
    if (c->elem_size == 4) {
        float *o = (float *) ptr[0];
        const float *x = (const float *) ptr[1];
        for (int64_t i = 0; i < n; i++) o[i * step[0]] = x[i * step[1] + idx[i * step[2]] * c->axis_stride];
    } else {
        int64_t *o = (int64_t *) ptr[0];
        const int64_t *x = (const int64_t *) ptr[1];
        for (int64_t i = 0; i < n; i++) o[i * step[0]] = x[i * step[1] + idx[i * step[2]] * c->axis_stride];
    }
}

// operands: 0 src, 1 out (axis stride zeroed), 2 index
static void put_add_run(int64_t n, char *const *ptr, const int64_t *step, const void *vctx) {
    const index_ctx *c = vctx;
    const int64_t *idx = (const int64_t *) ptr[2];
    if (c->elem_size == 4) {
        const float *s = (const float *) ptr[0];
        float *o = (float *) ptr[1];
        for (int64_t i = 0; i < n; i++) o[i * step[1] + idx[i * step[2]] * c->axis_stride] += s[i * step[0]];
    } else {
        const int64_t *s = (const int64_t *) ptr[0];
        int64_t *o = (int64_t *) ptr[1];
        for (int64_t i = 0; i < n; i++) {
            int64_t *target = o + i * step[1] + idx[i * step[2]] * c->axis_stride;
            *target = (int64_t) ((uint64_t) *target + (uint64_t) s[i * step[0]]);
        }
    }
}

// Gather / index_select. layout = { rank, shape of out, out strides, x strides (axis zeroed), index
// operand strides }; x_axis_stride, axis_size: x's stride and size along the axis.
LETHE_EXPORT int lethe_take(const int64_t *layout, void *out, const void *x, const int64_t *index,
                            int64_t x_axis_stride, int elem_size, const int64_t *index_layout, int64_t axis_size,
                            int64_t *info) {
    if (elem_size != 4 && elem_size != 8) return LETHE_ERR_ARG;
    int st = check_indices(index_layout, index, axis_size, info);
    if (st) return st;
    nd_iter it;
    void *base[3] = {out, (void *) x, (void *) index};
    int size[3] = {elem_size, elem_size, 8};
    st = nd_init(&it, layout, 3, base, size);
    if (st) return st;
    index_ctx c = {x_axis_stride, elem_size};
    nd_run(&it, take_run, &c, GRAIN_MEMORY);
    return LETHE_OK;
}

// Scatter-add / index_add, accumulating into out in row-major order of the positions (serial: positions
// may share a target). layout = { rank, shape of src, src strides, out strides (axis zeroed), index
// operand strides }; out_axis_stride, axis_size: out's stride and size along the axis.
LETHE_EXPORT int lethe_put_add(const int64_t *layout, const void *src, void *out, const int64_t *index,
                               int64_t out_axis_stride, int elem_size, const int64_t *index_layout,
                               int64_t axis_size, int64_t *info) {
    if (elem_size != 4 && elem_size != 8) return LETHE_ERR_ARG;
    int st = check_indices(index_layout, index, axis_size, info);
    if (st) return st;
    nd_iter it;
    void *base[3] = {(void *) src, out, (void *) index};
    int size[3] = {elem_size, elem_size, 8};
    st = nd_init(&it, layout, 3, base, size);
    if (st) return st;
    index_ctx c = {out_axis_stride, elem_size};
    nd_run(&it, put_add_run, &c, INT64_MAX);
    return LETHE_OK;
}
