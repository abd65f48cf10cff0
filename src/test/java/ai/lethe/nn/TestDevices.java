// The devices the nn tests run on: every backend found whose availability says it can run here (the ref
// backend always; the native cpu and cuda backends where present), so new backends join automatically.
package ai.lethe.nn;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.tensor.Device;
import java.util.List;

final class TestDevices {
    private TestDevices() {}

    static List<Device> available() {
        return Backends.all().stream().filter(b -> b.availability().available()).map(Backend::device).toList();
    }
}
