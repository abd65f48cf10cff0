// The arguments of one kernel launch, packed the way cuLaunchKernel takes them (kernelParams): each value written
// into a native buffer at its natural alignment, and an array of pointers, one to each value. Both runtimes get the
// same bytes: the NVIDIA driver copies them into the launch; the emulator's trampoline reads each through its
// pointer as the kernel's typed parameter. So the Java types must match the kernel's parameters exactly:
// pointer/i64 for a pointer, long long or size_t; i32 for int or unsigned; f32 for float; f64 for double;
// words64 for a struct passed by value whose members are all 8 bytes (e.g. strided.cuh's StridedView, see StridedArg).
package ai.lethe.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** A builder of a kernel's argument list; pack() writes it into native memory. */
public final class KernelArgs {
    private enum Kind { POINTER, I32, I64, F32, F64, WORDS64 }

    private Kind[] kinds = new Kind[8];
    private long[] bits = new long[8];
    /** The members of each WORDS64 argument (null for the others). */
    private long[][] words = new long[8][];
    private int count;

    /** A device pointer (a 64-bit address). */
    public KernelArgs pointer(long devicePointer) { return add(Kind.POINTER, devicePointer); }

    /** An int or unsigned int parameter. */
    public KernelArgs i32(int value) { return add(Kind.I32, value); }

    /** A long long, unsigned long long or size_t parameter. */
    public KernelArgs i64(long value) { return add(Kind.I64, value); }

    /** A float parameter. */
    public KernelArgs f32(float value) { return add(Kind.F32, Float.floatToRawIntBits(value)); }

    /** A double parameter. */
    public KernelArgs f64(double value) { return add(Kind.F64, Double.doubleToRawLongBits(value)); }

    /**
     * A struct passed by value made of 8-byte members (long long, double bits, pointers), in declaration order: one
     * parameter of 8 * words.length bytes, 8-byte aligned.
     */
    public KernelArgs words64(long... members) {
        if (members.length == 0) throw new IllegalArgumentException("words64: a struct needs at least one member");
        add(Kind.WORDS64, 0);
        words[count - 1] = members.clone();
        return this;
    }

    /** The values of the pointer arguments, in order (the emulator's stream-order model tracks them). */
    public long[] pointers() {
        int n = 0;
        for (int i = 0; i < count; i++) if (kinds[i] == Kind.POINTER) n++;
        long[] p = new long[n];
        for (int i = 0, j = 0; i < count; i++) if (kinds[i] == Kind.POINTER) p[j++] = bits[i];
        return p;
    }

    /** The number of arguments. */
    public int count() { return count; }

    private KernelArgs add(Kind kind, long value) {
        if (count == kinds.length) {
            kinds = Arrays.copyOf(kinds, count * 2);
            bits = Arrays.copyOf(bits, count * 2);
            words = Arrays.copyOf(words, count * 2);
        }
        kinds[count] = kind;
        bits[count] = value;
        count++;
        return this;
    }

    private int size(int i) {
        return switch (kinds[i]) {
            case I32, F32 -> 4;
            case WORDS64 -> 8 * words[i].length;
            default -> 8;
        };
    }

    private int alignment(int i) { return kinds[i] == Kind.I32 || kinds[i] == Kind.F32 ? 4 : 8; }

    /** The size in bytes of each argument, in order (what a runtime may check against the kernel's parameters). */
    public int[] sizes() {
        int[] s = new int[count];
        for (int i = 0; i < count; i++) s[i] = size(i);
        return s;
    }

    /**
     * Writes the values (each at its natural alignment) and the pointer array into memory from the allocator; returns
     * the pointer array (void**, count entries), which lives as long as the allocator's memory.
     */
    public MemorySegment pack(SegmentAllocator allocator) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            int s = size(i), al = alignment(i);
            bytes = (bytes + al - 1) / al * al + s;
        }
        MemorySegment values = allocator.allocate(Math.max(bytes, 8), 8);
        MemorySegment pointers = allocator.allocate(ValueLayout.ADDRESS, Math.max(count, 1));
        long offset = 0;
        for (int i = 0; i < count; i++) {
            int s = size(i), al = alignment(i);
            offset = (offset + al - 1) / al * al;
            if (kinds[i] == Kind.WORDS64) {
                for (int w = 0; w < words[i].length; w++) values.set(ValueLayout.JAVA_LONG, offset + 8L * w, words[i][w]);
            } else if (s == 4) values.set(ValueLayout.JAVA_INT, offset, (int) bits[i]);
            else values.set(ValueLayout.JAVA_LONG, offset, bits[i]);
            pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(offset, s));
            offset += s;
        }
        return pointers;
    }

    /** An independent copy (a graph capture keeps the arguments of each recorded launch). */
    public KernelArgs copy() {
        KernelArgs c = new KernelArgs();
        c.kinds = Arrays.copyOf(kinds, Math.max(count, 1));
        c.bits = Arrays.copyOf(bits, Math.max(count, 1));
        c.words = Arrays.copyOf(words, Math.max(count, 1));
        for (int i = 0; i < count; i++) if (c.words[i] != null) c.words[i] = c.words[i].clone();
        c.count = count;
        return c;
    }

    /** Same arguments: kinds and bits (a graph update compares a new capture's launches with the instantiated ones). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KernelArgs k) || k.count != count) return false;
        for (int i = 0; i < count; i++)
            if (kinds[i] != k.kinds[i] || bits[i] != k.bits[i] || !Arrays.equals(words[i], k.words[i])) return false;
        return true;
    }

    @Override
    public int hashCode() {
        int h = count;
        for (int i = 0; i < count; i++) h = 31 * h + Long.hashCode(bits[i]) + kinds[i].ordinal();
        return h;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("KernelArgs[");
        for (int i = 0; i < count; i++) {
            if (i > 0) b.append(", ");
            b.append(switch (kinds[i]) {
                case POINTER -> "ptr 0x" + Long.toHexString(bits[i]);
                case I32 -> "i32 " + (int) bits[i];
                case I64 -> "i64 " + bits[i];
                case F32 -> "f32 " + Float.intBitsToFloat((int) bits[i]);
                case F64 -> "f64 " + Double.longBitsToDouble(bits[i]);
                case WORDS64 -> "struct " + Arrays.toString(words[i]);
            });
        }
        return b.append(']').toString();
    }
}
