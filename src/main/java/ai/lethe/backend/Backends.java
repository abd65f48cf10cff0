// Finds the backends (ServiceLoader), picks the default device, and maps devices to backends. Every backend it hands
// out is wrapped in CheckedBackend, the one layer that checks each SPI call's arguments (SpiChecks) before the
// implementation runs; implementation(b) unwraps it for callers that need an implementation's own methods.
// Order when nothing is forced: the available backend with the highest priority (cuda > cpu > ref).
// Forcing: -Dlethe.device=cpu|ref|cuda[:N]|cuda-emu or the environment variable LETHE_DEVICE. A backend with a
// negative priority (cuda-emu, the CUDA emulator: correct but slow by design) is never chosen unless forced.
// Falling back to the pure-Java ref backend because the native cpu backend is unavailable is announced once per
// process, as a warning with the reason and the fix: it is 10-100x slower, and nothing else would say why.
package ai.lethe.backend;

import ai.lethe.core.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

public final class Backends {
    private static final System.Logger LOG = System.getLogger("ai.lethe.backend");
    private static volatile Map<String, Backend> byName;
    private static volatile Device defaultDevice;

    private Backends() {}

    private static Map<String, Backend> registry() {
        Map<String, Backend> m = byName;
        if (m == null) {
            synchronized (Backends.class) {
                if (byName == null) {
                    List<Backend> found = new ArrayList<>();
                    for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) found.add(b);
                    found.sort(Comparator.comparingInt(Backend::priority).reversed());
                    Map<String, Backend> map = new LinkedHashMap<>();
                    for (Backend b : found) map.putIfAbsent(b.name(), new CheckedBackend(b));
                    byName = map;
                }
                m = byName;
            }
        }
        return m;
    }

    /**
     * The implementation behind a backend this class handed out (they are wrapped in the {@link CheckedBackend} layer),
     * for the few callers that need an implementation's own methods; a backend that is not wrapped is returned as is.
     */
    public static Backend implementation(Backend b) { return b instanceof CheckedBackend c ? c.implementation() : b; }

    /** Every backend found, by priority (highest first), available or not, each behind the SPI's checks. */
    public static List<Backend> all() { return List.copyOf(registry().values()); }

    /** The backend of a device type, or an IllegalArgumentException listing the known ones. */
    public static Backend byName(String name) {
        Backend b = registry().get(name);
        if (b == null) throw new IllegalArgumentException("unknown device '" + name + "'; known: " + registry().keySet());
        return b;
    }

    /** The backend serving {@code device}, which must be available. */
    public static Backend of(Device device) {
        Backend b = byName(device.type());
        Availability a = b.availability();
        if (!a.available()) throw new IllegalStateException("device " + device + " is not available: " + a.reason());
        return b;
    }

    /** The device new tensors go to when none is given. */
    public static Device defaultDevice() {
        Device d = defaultDevice;
        if (d == null) {
            synchronized (Backends.class) {
                if (defaultDevice == null) defaultDevice = chooseDefault();
                d = defaultDevice;
            }
        }
        return d;
    }

    /** Changes the default device for the rest of the process (the device must be available). */
    public static void setDefaultDevice(Device device) {
        of(device);
        defaultDevice = device;
    }

    /**
     * The warning for running on {@code chosen} when it is the ref backend and the native {@code cpu} backend is
     * not available, with the cpu backend's reason and fix; null otherwise (also when there is no cpu backend).
     */
    public static String fallbackWarning(Backend chosen, Backend cpu) {
        if (!chosen.name().equals("ref") || cpu == null) return null;
        Availability a = cpu.availability();
        if (a.available()) return null;
        return "running on the pure-Java ref backend, 10-100x slower than the native cpu backend, which is unavailable: "
                + a.reason() + (a.fix() == null ? "" : ". Fix: " + a.fix());
    }

    private static Device chooseDefault() {
        String forced = System.getProperty("lethe.device");
        if (forced == null || forced.isBlank()) forced = System.getenv("LETHE_DEVICE");
        if (forced != null && !forced.isBlank()) {
            Device d = Device.parse(forced);
            of(d);
            LOG.log(System.Logger.Level.DEBUG, "using device {0} (forced)", d);
            return d;
        }
        StringBuilder skipped = new StringBuilder();
        for (Backend b : registry().values()) {
            if (b.priority() < 0) continue;   // only when forced
            Availability a = b.availability();
            if (a.available()) {
                LOG.log(System.Logger.Level.DEBUG, "using device {0}{1}", b.device(),
                        skipped.isEmpty() ? "" : " (skipped " + skipped + ")");
                String warning = fallbackWarning(b, registry().get("cpu"));
                if (warning != null) LOG.log(System.Logger.Level.WARNING, warning);
                return b.device();
            }
            if (!skipped.isEmpty()) skipped.append("; ");
            skipped.append(b.name()).append(": ").append(a.reason());
        }
        throw new IllegalStateException("no backend is available: " + skipped);
    }
}
