// Lists the Lethe backends on the class path, one per line: "name<TAB>yes|no<TAB>reason", then the cpu backend's
// BLAS as "@blas<TAB>library, kernel (why), threads" and the CPU's vector extensions as "@cpu-features<TAB>...".
// benchmarks/run uses it to pass only the available backends to JMH, and RESULTS.md names the BLAS kernel the
// numbers were measured with and why a backend was skipped.
// Run: java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar ai.lethe.bench.Probe
package ai.lethe.bench;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.backend.cpu.CpuBackend;

public final class Probe {
    private Probe() {}

    public static void main(String[] args) {
        for (Backend b : Backends.all()) {
            Availability a = b.availability();
            String reason = a.reason() == null ? "" : a.reason().replaceAll("[\\t\\r\\n]+", " ");
            System.out.println(b.name() + "\t" + (a.available() ? "yes" : "no") + "\t" + reason);
        }
        if (Backends.implementation(Backends.byName("cpu")) instanceof CpuBackend cpu) {
            cpu.blas().ifPresent(blas -> System.out.println("@blas\t" + blas.describe()));
            cpu.cpuFeatures().ifPresent(f -> System.out.println("@cpu-features\t" + f.describe()));
        }
    }
}
