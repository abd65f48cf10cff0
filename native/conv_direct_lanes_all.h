// conv_direct_lanes_all.h — instantiates conv_direct_lanes.h for one instruction set (ISA, VL, ... defined by
// conv_direct.c), forward and weight gradient, with three tile shapes: 4 channel vectors x LANES_PT4 pixels,
// 2 x LANES_PT2, 1 x LANES_PT1.
#define LN_CAT(a, b, c) a##_##b##_##c
#define LN_NAME(isa, kv) LN_CAT(direct_lanes, isa, kv)
#define LN_NAME2(isa, kv) LN_NAME(isa, kv)
#define LNW_NAME(isa, kv) LN_CAT(direct_lanes_weight, isa, kv)
#define LNW_NAME2(isa, kv) LNW_NAME(isa, kv)

#define KV 4
#define PT LANES_PT4
#define LANES_NAME LN_NAME2(ISA, 4)
#define LANESW_NAME LNW_NAME2(ISA, 4)
#include "conv_direct_lanes.h"
#undef KV
#undef PT
#undef LANES_NAME
#undef LANESW_NAME

#define KV 2
#define PT LANES_PT2
#define LANES_NAME LN_NAME2(ISA, 2)
#define LANESW_NAME LNW_NAME2(ISA, 2)
#include "conv_direct_lanes.h"
#undef KV
#undef PT
#undef LANES_NAME
#undef LANESW_NAME

#define KV 1
#define PT LANES_PT1
#define LANES_NAME LN_NAME2(ISA, 1)
#define LANESW_NAME LNW_NAME2(ISA, 1)
#include "conv_direct_lanes.h"
#undef KV
#undef PT
#undef LANES_NAME
#undef LANESW_NAME

#undef LN_CAT
#undef LN_NAME
#undef LN_NAME2
#undef LNW_NAME
#undef LNW_NAME2
