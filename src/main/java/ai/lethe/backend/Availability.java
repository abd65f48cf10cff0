// Whether a backend can be used on this machine, and if not, why (shown by `lethe info`).
package ai.lethe.backend;

public record Availability(boolean available, String reason) {
    public static Availability yes(String detail) { return new Availability(true, detail); }

    public static Availability no(String reason) { return new Availability(false, reason); }
}
