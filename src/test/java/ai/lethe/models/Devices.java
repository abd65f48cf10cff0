// The devices the model tests run on: every backend whose availability says it can run here (ref always; cpu
// and cuda where present), so new backends join the numeric tests automatically.
package ai.lethe.models;

import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.tensor.Device;
import java.util.List;

final class Devices {
    private Devices() {}

    static List<Device> available() {
        return Backends.all().stream().filter(b -> b.availability().available()).map(Backend::device).toList();
    }
}
