// The trainer's per-step numbers while they are still on the device: each step's loss and correct count are copied
// into a small float64 buffer on the model's device ([logEvery, 2]: loss, correct) instead of being read back, so a
// step asks nothing of the host; flush() reads the filled rows in one read (one host synchronisation on a CUDA
// device) every logEvery steps and at the end of an epoch, together with the learning rates and batch sizes the steps
// used, which never left the host. Losses are float32 values held exactly as float64; correct counts are integers
// (exact in float64 up to 2^53), so the numbers read are those loss.item() and sum().item() would have given.
// Public for the unlearning TrainingLoop, which records losses only (the correct count reads as 0). A step replayed as
// a CUDA graph writes its row into a fixed row of its own (writeRow), copied into the window by recordRow.
package ai.lethe.train;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;

/** Up to {@code capacity} steps' loss and correct count on the device, read back together. */
public final class StepWindow implements AutoCloseable {
    /** One step as read back. */
    public record Step(int step, double loss, long correct, double lr, int batchSize) {}

    private final Tensor rows;   // [capacity, 2] float64 on the device
    private final double[] lrs;
    private final int[] sizes;
    private int count, firstStep;

    public StepWindow(int capacity, Device device) {
        if (capacity < 1) throw new IllegalArgumentException("step window: capacity must be >= 1, got " + capacity);
        rows = Scope.unscoped(() -> Tensor.zeros(Shape.of(capacity, 2), DType.FLOAT64, device));
        lrs = new double[capacity];
        sizes = new int[capacity];
    }

    /** Whether every row is filled (flush before recording more). */
    public boolean full() { return count == lrs.length; }

    /** Steps recorded since the last flush. */
    public int size() { return count; }

    /**
     * Records step {@code step}: its loss (one element, any float dtype, on the window's device) and correct count (one
     * element, or null: 0), queued as device copies; {@code lr} and {@code batchSize} stay on the host.
     */
    public void record(int step, Tensor loss, Tensor correct, double lr, int batchSize) {
        if (full()) throw new IllegalStateException("step window: full (" + count + " steps); flush first");
        if (count == 0) firstStep = step;
        else if (step != firstStep + count) throw new IllegalArgumentException("step window: step " + step + " after " + (firstStep + count - 1));
        try (Tensor row = Scope.unscoped(() -> rows.select(0, count))) {
            writeRow(row, loss, correct);
        }
        lrs[count] = lr;
        sizes[count] = batchSize;
        count++;
    }

    /** A device row [loss, correct] (float64 [2]) for writeRow and recordRow, owned by the caller. */
    public static Tensor newRow(Device device) {
        return Scope.unscoped(() -> Tensor.zeros(Shape.of(2), DType.FLOAT64, device));
    }

    /**
     * Writes a step's loss and correct count (null: 0) into {@code row} as record() writes them into the window: device
     * copies, no read. A captured step (a CUDA graph) writes into a row of its own, whose address stays fixed.
     */
    public static void writeRow(Tensor row, Tensor loss, Tensor correct) {
        try (var _ = GradMode.noGrad(); Tensor l = Scope.unscoped(() -> row.select(0, 0)); Tensor c = Scope.unscoped(() -> row.select(0, 1))) {
            l.copyFrom(loss);      // under noGrad: nothing is recorded
            if (correct != null) c.copyFrom(correct);
            else c.fill(0);
        }
    }

    /** Records step {@code step} from a row writeRow filled: one device-to-device copy, no read. */
    public void recordRow(int step, Tensor row, double lr, int batchSize) {
        if (full()) throw new IllegalStateException("step window: full (" + count + " steps); flush first");
        if (count == 0) firstStep = step;
        else if (step != firstStep + count) throw new IllegalArgumentException("step window: step " + step + " after " + (firstStep + count - 1));
        try (var _ = GradMode.noGrad(); Tensor target = Scope.unscoped(() -> rows.select(0, count))) {
            target.copyFrom(row);
        }
        lrs[count] = lr;
        sizes[count] = batchSize;
        count++;
    }

    /** The recorded steps in order, read from the device in one read; the window is empty afterwards. */
    public Step[] flush() {
        if (count == 0) return new Step[0];
        double[] v;
        try (Tensor filled = Scope.unscoped(() -> rows.narrow(0, 0, count))) {
            v = filled.toDoubleArray();
        }
        Step[] out = new Step[count];
        for (int i = 0; i < count; i++) out[i] = new Step(firstStep + i, v[2 * i], (long) v[2 * i + 1], lrs[i], sizes[i]);
        count = 0;
        return out;
    }

    @Override public void close() { rows.close(); }
}
