// device_error_checks.cu: a test kernel of device_error.cuh (DeviceErrorTest): checks int64 indices against a bound and
// records the first one out of range. Built into liblethe_cudaemu.so only, never into the production fatbin.
#include "../lethe_device.cuh"
#include "../device_error.cuh"

// For i < n: an index outside [0, bound) sets the error buffer (tag, value, bound, i).
LETHE_KERNEL(emu_check_indices, 256,
             const long long* index,  // [n]
             long long n, long long bound,
             long long* err,          // [4] the context's error buffer
             long long tag) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        long long v = index[i];
        if (v < 0 || v >= bound) lethe_device_error(err, tag, v, bound, i);
    }
}
