// A small measurement of MpiCommunicator's all-reduce on this machine, for docs/distributed.md: median time of
// allReduceSum on float32 tensors of several sizes (the Mlp's and ResNet18's gradient sizes among them), blocking
// and as one async bucket, per device (cpu: in place in host memory; cuda-emu: staged through host copies). Run as
// every rank under mpirun (2 ranks on this 2-core machine), e.g.
//   mpirun -np 2 --oversubscribe --allow-run-as-root java --enable-native-access=ALL-UNNAMED -cp CP \
//       ai.lethe.distributed.AllReduceBench cpu
// Rank 0 prints one line per size. Timings on a shared machine are noisy; nothing asserts them.
package ai.lethe.distributed;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

public final class AllReduceBench {
    private AllReduceBench() {}

    public static void main(String[] args) {
        Device device = Device.parse(args.length > 0 ? args[0] : "cpu");
        MpiCommunicator mpi = MpiCommunicator.world();
        long[] sizes = {1_000, 100_000, 1_000_000, 11_200_000};
        if (mpi.isLeader())
            System.out.printf("%d ranks, %s, float32; median of the repetitions%n%10s %6s %12s %12s %14s%n", mpi.size(), device,
                    "elements", "reps", "blocking ms", "async ms", "algbw GB/s");
        for (long n : sizes) {
            int reps = n >= 10_000_000 ? 5 : n >= 1_000_000 ? 10 : 30;
            try (Tensor t = Tensor.ones(Shape.of(n), DType.FLOAT32, device)) {
                mpi.allReduceSum(t);   // warm-up
                double[] block = new double[reps], async = new double[reps];
                for (int i = 0; i < reps; i++) {
                    mpi.barrier();
                    long s = System.nanoTime();
                    mpi.allReduceSum(t);
                    block[i] = (System.nanoTime() - s) / 1e6;
                    mpi.barrier();
                    s = System.nanoTime();
                    mpi.allReduceSumAsync(List.of(t)).await();
                    async[i] = (System.nanoTime() - s) / 1e6;
                }
                double b = median(block), a = median(async);
                if (mpi.isLeader())
                    System.out.printf("%10d %6d %12.3f %12.3f %14.3f%n", n, reps, b, a, n * 4.0 / (b / 1e3) / 1e9);
            }
        }
        mpi.close();
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
