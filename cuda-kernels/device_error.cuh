// device_error.cuh: data-dependent errors found by a kernel (an index out of range), reported at the backend's next
// synchronisation as PyTorch's device-side asserts are: the kernel records the first error in a small device buffer
// and goes on; ai.lethe.backend.cuda.CudaContext reads the buffer when it synchronises and throws an exception that
// names the op (it knows the op by the tag it gave the launch: CudaContext.deviceError(op)).
//
// The buffer (4 long longs): [0] the tag of the first failing launch (0: no error), [1] the offending value, [2] the
// bound it broke ([0, bound)), [3] the linear index of the element that held it. Only the first error is kept.
#pragma once
#include "lethe_device.cuh"

static __device__ __forceinline__ void lethe_device_error(long long* err, long long tag, long long value, long long bound,
                                                          long long index) {
    if (atomicCAS(reinterpret_cast<unsigned long long*>(err), 0ull, (unsigned long long)tag) == 0ull) {
        err[1] = value;
        err[2] = bound;
        err[3] = index;
    }
}
