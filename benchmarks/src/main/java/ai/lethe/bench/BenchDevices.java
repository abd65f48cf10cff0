// Which Lethe backend a benchmark runs on: resolves the @Param backend name to an available device (or fails
// setup with a message that says why it is unavailable), makes it the default device of the fork, and picks
// the batch size: batch 0 means "auto" = 128 on native backends, 8 on the slow pure-Java ref backend.
package ai.lethe.bench;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;

final class BenchDevices {
    /** Batch of the native backends (cpu, cuda): the training batch of the ResNet18 comparison. */
    static final int NATIVE_BATCH = 128;
    /** Batch of the ref backend: it is single-threaded double-precision Java, ~100x slower; per-image rates compare. */
    static final int REF_BATCH = 8;

    private BenchDevices() {}

    /** The device of backend {@code name}, made the default; throws with the reason when it is not available here. */
    static Device require(String name) {
        Backend found = null;
        for (Backend b : Backends.all()) if (b.name().equals(name)) found = b;
        if (found == null)
            throw new IllegalStateException("backend '" + name + "' is not available: not on the class path (found "
                    + Backends.all().stream().map(Backend::name).toList() + ")");
        Availability a = found.availability();
        if (!a.available()) throw new IllegalStateException("backend '" + name + "' is not available: " + a.reason());
        Backends.setDefaultDevice(found.device());
        return found.device();
    }

    /** The batch to run: {@code requested} if positive, else the backend's default (see the constants). */
    static int batch(String backend, int requested) {
        if (requested > 0) return requested;
        return backend.equals("ref") ? REF_BATCH : NATIVE_BATCH;
    }
}
