// What the CUDA backend has asked of its device, counted on the backend's side of the DeviceRuntime interface
// (CountingRuntime), so that the same numbers exist on a GPU and on the emulator: the proxies issue 15 asks tests to
// assert — kernel launches and GEMM calls per training step, host synchronisations between the trainer's periodic
// reads, and calls that reach the runtime's allocator (the caching allocator's misses) in a steady-state step.
//
// hostSynchronizations counts every synchronize(stream): read() and the device-error check it carries, a write too
// large to stage, the allocator's emptyCache. eventWaits counts synchronize(event), which HostStaging does before it
// reuses a staging buffer whose copy may still be in flight: it waits for that one earlier copy, not for the stream
// to drain. Launches are the backend's own kernels; the kernels cuBLAS runs are one gemmCall per sgemm or
// sgemmStridedBatched, and cuDNN's calls (CudnnConvolutions, GPU only) are not counted.
//
// Graphs: a launch or GEMM queued on a stream being captured runs nothing then; it is counted in capturedOperations
// (with the captured memsets and device-to-device copies), not in launches or gemmCalls. A graph launch counts once in
// graphLaunches, whatever it holds: a replayed training step is 0 launches and 1 graph launch. deviceToDeviceCopies
// counts the copies queued outside graphs (a replayed step's batch into the graph's inputs, for one).
//
// Copy/compute overlap: asyncHostToDeviceCopies counts the host-to-device copies (also in hostToDeviceCopies) queued on
// a non-blocking stream of the backend's (createNonBlockingStream: the input ring's copy stream), which run while the
// compute stream works: a batch that reaches a step through GraphedSteps.prefetch is one per input tensor.
//
// Bytes moved: bytesRead and bytesWritten are the bytes of device memory the kernels read and wrote, as the runtime
// counts them (DeviceRuntime.kernelBytes): exactly on the emulator while its byte counting is on (EmulatorBytes: every
// load and store of each launch, the kernels of graph launches included), 0 otherwise (a GPU counts none).
package ai.lethe.backend.cuda;

/** A snapshot of a CUDA backend's device counters (CudaBackend.counters()); subtract two for what happened between. */
public record DeviceCounters(long launches, long gemmCalls, long hostSynchronizations, long eventWaits,
                             long deviceAllocations, long hostToDeviceCopies, long hostToDeviceBytes,
                             long deviceToHostCopies, long deviceToHostBytes, long capturedOperations,
                             long graphLaunches, long deviceToDeviceCopies, long bytesRead, long bytesWritten,
                             long asyncHostToDeviceCopies) {
    public static final DeviceCounters ZERO = new DeviceCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counts without device-to-device copies and bytes (the eleven counters before them). */
    public DeviceCounters(long launches, long gemmCalls, long hostSynchronizations, long eventWaits, long deviceAllocations,
                          long hostToDeviceCopies, long hostToDeviceBytes, long deviceToHostCopies, long deviceToHostBytes,
                          long capturedOperations, long graphLaunches) {
        this(launches, gemmCalls, hostSynchronizations, eventWaits, deviceAllocations, hostToDeviceCopies, hostToDeviceBytes,
                deviceToHostCopies, deviceToHostBytes, capturedOperations, graphLaunches, 0, 0, 0, 0);
    }

    /** Counts with no graph activity (the nine counters of an eager step). */
    public DeviceCounters(long launches, long gemmCalls, long hostSynchronizations, long eventWaits, long deviceAllocations,
                          long hostToDeviceCopies, long hostToDeviceBytes, long deviceToHostCopies, long deviceToHostBytes) {
        this(launches, gemmCalls, hostSynchronizations, eventWaits, deviceAllocations, hostToDeviceCopies, hostToDeviceBytes,
                deviceToHostCopies, deviceToHostBytes, 0, 0, 0, 0, 0, 0);
    }

    /** What was counted since {@code earlier} (a snapshot of the same backend taken before this one). */
    public DeviceCounters minus(DeviceCounters earlier) {
        return new DeviceCounters(launches - earlier.launches, gemmCalls - earlier.gemmCalls,
                hostSynchronizations - earlier.hostSynchronizations, eventWaits - earlier.eventWaits,
                deviceAllocations - earlier.deviceAllocations, hostToDeviceCopies - earlier.hostToDeviceCopies,
                hostToDeviceBytes - earlier.hostToDeviceBytes, deviceToHostCopies - earlier.deviceToHostCopies,
                deviceToHostBytes - earlier.deviceToHostBytes, capturedOperations - earlier.capturedOperations,
                graphLaunches - earlier.graphLaunches, deviceToDeviceCopies - earlier.deviceToDeviceCopies,
                bytesRead - earlier.bytesRead, bytesWritten - earlier.bytesWritten,
                asyncHostToDeviceCopies - earlier.asyncHostToDeviceCopies);
    }
}
