// The direct BatchUploader: one synchronous copy of the images and the labels into new tensors on the device.
package ai.lethe.data.loader;

import ai.lethe.core.Device;
import ai.lethe.data.ImageShape;
import ai.lethe.tensor.Tensor;

final class DirectUploader implements BatchUploader {
    static final DirectUploader INSTANCE = new DirectUploader();

    private DirectUploader() {}

    @Override public Batch upload(HostBatch host, Device device) {
        ImageShape s = host.shape();
        int n = host.size();
        Tensor images = Tensor.fromArray(host.images(), device, n, s.channels(), s.height(), s.width());
        try {
            Tensor labels = Tensor.fromLongs(host.labels(), device, n);
            return new Batch(images, labels, host.indices(), host.sourceIndices());
        } catch (RuntimeException | Error e) {
            images.close();
            throw e;
        }
    }

    @Override public String toString() { return "direct"; }
}
