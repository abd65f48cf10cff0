// A (height, width) option that remembers whether it was given as one int, so toString prints it as PyTorch
// does: pooling layers keep "kernel_size=2" as given, "kernel_size=(2, 2)" for a pair.
package ai.lethe.nn;

record Pair2(int h, int w, boolean fromInt) {
    static Pair2 of(int v) { return new Pair2(v, v, true); }

    static Pair2 of(int[] v, String op, String what) {
        if (v == null || v.length != 2) throw new IllegalArgumentException(op + ": " + what + " must have two values, got " + java.util.Arrays.toString(v));
        return new Pair2(v[0], v[1], false);
    }

    Pair2 atLeast(int min, String op, String what) {
        if (h < min || w < min) throw new IllegalArgumentException(op + ": " + what + " must be >= " + min + ", got " + repr());
        return this;
    }

    int[] array() { return new int[] {h, w}; }

    String repr() { return fromInt ? Integer.toString(h) : Repr.tuple(h, w); }
}
