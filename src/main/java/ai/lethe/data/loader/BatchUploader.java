// How a host batch becomes tensors on the loader's device; called on the thread that assembled the batch, with
// no scope open. The only strategy today is a direct copy (Tensor.fromArray / fromLongs), which on host devices
// (cpu, ref) is the one copy into backend memory there is anyway.
//
// Seam for CUDA (no CUDA backend exists yet): a CUDA uploader would stage the arrays in pinned (page-locked)
// host buffers reused across batches, copy them with cuMemcpyHtoDAsync on a copy stream, and hand the batch over
// with an event the compute stream waits on, so uploads overlap the previous step. BatchUploader.forDevice is
// where it will be chosen.
package ai.lethe.data.loader;

import ai.lethe.core.Device;

@FunctionalInterface
public interface BatchUploader {
    /** The batch's tensors on {@code device}, owned by no scope (the returned Batch owns them). */
    Batch upload(HostBatch host, Device device);

    /** Synchronous copies from the host arrays. */
    static BatchUploader direct() { return DirectUploader.INSTANCE; }

    /** The uploader a loader uses for {@code device} when none is set (direct for every device today). */
    static BatchUploader forDevice(Device device) { return direct(); }
}
