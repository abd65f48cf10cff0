// The version of Lethe that is running, as checkpoints record it: the jar manifest's Implementation-Version
// (written by the Maven build), or "dev" when running from classes outside a jar.
package ai.lethe.io;

final class LetheVersion {
    private LetheVersion() {}

    static String current() {
        String v = LetheVersion.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }
}
