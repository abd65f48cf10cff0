// The backends a test run covers, and the rule that keeps it honest: a backend the run expects must be there.
// ref is always expected; cpu too, unless the build was told it may lack the native library
// (mvn -Dlethe.native=optional, which Surefire passes on as the system property lethe.native); cuda-emu (the CUDA
// emulator) too, unless the build was told it may lack the CUDA kernels (mvn -Dlethe.cuda=optional). A backend
// that still lacks SPI ops (KnownMissing) runs the conformance suite only (conformance()), with its missing ops
// reported; it joins every other suite (available(), devices()) once its list is empty. An expected
// backend that is unavailable fails every test that would have run on it, with the reason — it never shrinks
// the run silently to ref. Tests that need a GPU skip with a reason starting "needs a GPU" (the only skips
// .ci/run accepts).
package ai.lethe.testing;

import ai.lethe.backend.Availability;
import ai.lethe.backend.Backend;
import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

public final class TestBackends {
    /** The prefix of the reason of every skip that only a GPU machine can lift. */
    public static final String GPU_SKIP = "needs a GPU";

    private TestBackends() {}

    /** The names of the backends this run must have. */
    public static List<String> expected() {
        List<String> names = new ArrayList<>(List.of("ref"));
        if (!"optional".equals(System.getProperty("lethe.native"))) names.add("cpu");
        if (!"optional".equals(System.getProperty("lethe.cuda"))) names.add("cuda-emu");
        if (Boolean.getBoolean("lethe.expect.cuda")) names.add("cuda");  // benchmarks/gpu/device-check on a GPU
        return names;
    }

    /** Whether a test run may go without {@code name}. */
    public static boolean optional(String name) { return !expected().contains(name); }

    /**
     * The available backends that have every SPI op, highest priority first; an AssertionError naming the reason
     * and fix when an expected one is unavailable.
     */
    public static List<Backend> available() {
        return conformance().stream().filter(b -> !KnownMissing.incomplete(b.name())).toList();
    }

    /**
     * Every available backend, complete or not (KnownMissing), highest priority first: what the conformance suite
     * runs on. An AssertionError naming the reason and fix when an expected one is unavailable.
     */
    public static List<Backend> conformance() {
        List<Backend> out = new ArrayList<>();
        for (Backend b : Backends.all()) {
            Availability a = b.availability();
            if (a.available()) out.add(b);
            else if (expected().contains(b.name())) Assertions.fail(missing(b.name(), a));
        }
        return out;
    }

    /** The devices of {@link #available()}. */
    public static List<Device> devices() { return available().stream().map(Backend::device).distinct().toList(); }

    /** The available complete backends other than ref (those compared against it). */
    public static List<Backend> nonRef() { return available().stream().filter(b -> !b.name().equals("ref")).toList(); }

    /**
     * The cpu device: fails the calling test when the cpu backend is expected but unavailable, skips it (with
     * the reason) when the build made it optional.
     */
    public static Device cpu() {
        requireCpu();
        return Device.CPU;
    }

    /** As {@link #cpu()}, for tests that need the cpu backend without its device. */
    public static void requireCpu() {
        Availability a = Backends.byName("cpu").availability();
        if (a.available()) return;
        if (optional("cpu")) Assumptions.abort("the cpu backend is unavailable (built with -Dlethe.native=optional): " + a.reason());
        Assertions.fail(missing("cpu", a));
    }

    private static String missing(String name, Availability a) {
        return "the " + name + " backend must be available in this test run (build it, or run the tests with "
                + "-Dlethe.native=optional or -Dlethe.cuda=optional to allow its absence) but is not: " + a.reason()
                + (a.fix() == null ? "" : ". Fix: " + a.fix());
    }
}
