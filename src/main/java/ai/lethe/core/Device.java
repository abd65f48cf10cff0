// Where a tensor lives and which backend computes on it: "ref" and "cpu" (both host memory), "cuda:N".
package ai.lethe.core;

import java.util.Locale;

/**
 * A device names a backend and, for multi-device backends, an index. {@code ref} and {@code cpu} both keep
 * their data in host memory but are distinct devices: the ref backend is the slow oracle, cpu the native one.
 */
public record Device(String type, int index) {
    public static final Device REF = new Device("ref", 0);
    public static final Device CPU = new Device("cpu", 0);

    public Device {
        if (type == null || type.isBlank()) throw new IllegalArgumentException("device type must not be empty");
        type = type.toLowerCase(Locale.ROOT);
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    public static Device cuda(int index) { return new Device("cuda", index); }

    /** Parses "cpu", "ref", "cuda", "cuda:1". */
    public static Device parse(String text) {
        if (text == null) throw new IllegalArgumentException("device must not be null");
        String s = text.trim();
        int colon = s.indexOf(':');
        if (colon < 0) return new Device(s, 0);
        String idx = s.substring(colon + 1);
        try {
            return new Device(s.substring(0, colon), Integer.parseInt(idx));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad device '" + text + "': index '" + idx + "' is not a number");
        }
    }

    @Override public String toString() { return type.equals("cuda") ? type + ":" + index : type; }
}
