// Whether a backend can be used on this machine, and if not, why and what the user can do about it (shown by
// `lethe info`, and by the warning printed when Lethe falls back to a slower backend).
package ai.lethe.backend;

/**
 * @param available whether the backend can be used
 * @param reason    when available, what it runs on; else why not
 * @param fix       when unavailable, what the user can do about it (null where nothing can be done or it is unknown)
 */
public record Availability(boolean available, String reason, String fix) {
    public Availability(boolean available, String reason) { this(available, reason, null); }

    public static Availability yes(String detail) { return new Availability(true, detail, null); }

    public static Availability no(String reason) { return new Availability(false, reason, null); }

    public static Availability no(String reason, String fix) { return new Availability(false, reason, fix); }
}
