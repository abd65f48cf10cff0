// Lists the Lethe backends on the class path, one per line: "name<TAB>yes|no<TAB>reason". benchmarks/run uses it
// to pass only the available backends to JMH and to say in RESULTS.md why a backend was skipped.
// Run: java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar ai.lethe.bench.Probe
package ai.lethe.bench;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;

public final class Probe {
    private Probe() {}

    public static void main(String[] args) {
        for (Backend b : Backends.all()) {
            Availability a = b.availability();
            String reason = a.reason() == null ? "" : a.reason().replaceAll("[\\t\\r\\n]+", " ");
            System.out.println(b.name() + "\t" + (a.available() ? "yes" : "no") + "\t" + reason);
        }
    }
}
