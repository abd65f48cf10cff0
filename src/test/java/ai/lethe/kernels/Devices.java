// The devices the kernels tests run on: every backend available here (ref always; cpu when its library loads).
package ai.lethe.kernels;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.tensor.Device;
import java.util.List;

final class Devices {
    private Devices() {}

    static List<Device> available() {
        return Backends.all().stream().filter(b -> b.availability().available()).map(Backend::device).distinct().toList();
    }
}
