// A measurement, not a test: the throughput of the distributed Fisher diagonal (docs/distributed-fisher-scaling.md).
// Run it under `mpirun -np N` (each rank joins MPI_COMM_WORLD) or alone (one process, SingleProcess), with the
// OpenMP threads per rank set by OMP_NUM_THREADS. It computes the BATCH_MEAN and PER_SAMPLE Fisher of a small
// ResNet18 (width 8, CIFAR stem, 10 classes) over synthetic 3x16x16 images in batches of 64, once to warm up and then
// REPEATS times, each between two barriers, and rank 0 prints the median wall time and samples per second per kind.
// Arguments: device (cpu), samples (default 1024), repeats (default 3).
package ai.lethe.fisher;

import ai.lethe.core.Device;
import ai.lethe.data.TrainTest;
import ai.lethe.data.loader.DataLoader;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.MpiCommunicator;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import java.util.Arrays;
import java.util.Locale;

public final class FisherScalingRanks {
    private FisherScalingRanks() {}

    public static void main(String[] args) {
        Device device = Device.parse(args.length > 0 ? args[0] : "cpu");
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        boolean underMpi = System.getenv("OMPI_COMM_WORLD_SIZE") != null;
        Communicator comm = underMpi ? Distributed.join(MpiCommunicator.world()) : Distributed.current();
        TrainTest data = SyntheticImages.generate(new SyntheticOptions(10, samples, 8, 3, 16, 16, 1, 0.3));
        DataLoader loader = DataLoader.builder(data.train()).batchSize(64).shuffle(false).device(device).workers(0).build();
        String threads = System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset: one per core)");
        try (ImageModel m = Models.create(new ResNetConfig(3, 10, 8, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS), new Generator(1)).to(device)) {
            for (FisherKind kind : new FisherKind[] {FisherKind.BATCH_MEAN, FisherKind.PER_SAMPLE}) {
                FisherDiagonal.compute(m, loader, kind).close();   // warm-up
                double[] seconds = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    comm.barrier();
                    long t0 = System.nanoTime();
                    FisherDiagonal.compute(m, loader, kind).close();
                    comm.barrier();
                    seconds[r] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(seconds);
                double median = seconds[repeats / 2];
                if (comm.isLeader())
                    System.out.println(String.format(Locale.ROOT, "%s ranks=%d threads/rank=%s samples=%d: median %.2f s (min %.2f, max %.2f), %.0f samples/s",
                            kind, comm.size(), threads, samples, median, seconds[0], seconds[repeats - 1], samples / median));
            }
        }
        if (underMpi) Distributed.leave();
    }
}
