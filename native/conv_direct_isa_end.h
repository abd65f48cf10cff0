// conv_direct_isa_end.h — ends one instruction set's instantiation of the direct convolution kernels in
// conv_direct.c: undefines the macros (ISA, vector width and type, tile sizes, vector operations) that
// conv_direct_kernels.h and conv_direct_lanes_all.h were included with, so the next instruction set can define them.
// Included once after each instantiation; no include guard on purpose.
#undef LANES_PT4
#undef LANES_PT2
#undef LANES_PT1
#undef ISA
#undef VL
#undef RO
#undef RQ
#undef WO
#undef WT
#undef VEC
#undef VZERO
#undef VLOAD
#undef VSTORE
#undef VSET1
#undef VFMA
#undef VHSUM
#undef VKEEP
