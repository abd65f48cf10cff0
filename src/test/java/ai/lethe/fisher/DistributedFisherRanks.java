// The rank program of DistributedFisherMpiTest, run by MpiRun under `mpirun -np N`: every rank first computes the
// single-process results itself (before joining the group: Distributed.current() is SingleProcess), then joins
// MPI_COMM_WORLD (Distributed.join) and computes the same things with the work shared between the ranks:
//   - the BATCH_MEAN, PER_SAMPLE and TRUE Fisher diagonals of a tiny ResNet18 (eval batch norm with non-trivial
//     running statistics) over 200 synthetic samples in batches of 16 (13 batches, the last one partial);
//   - IU's per-sample gradient matrix (40 rows);
//   - the model after SSD (batch-mean and per-sample Fisher), LF-SSD, Fisher Forgetting and Influence Unlearning
//     (WoodFisher), Df = 24 samples of class 0, Dr = 136 others, batch 16 (each method must move the weights).
// Each shared result must be within relative (L2) TOLERANCE of the single-process one (the gradient matrix: equal bit
// for bit), and every rank must hold the same shared result bit for bit (a float64 checksum per rank, all-reduced into
// a table that every rank compares). It prints one line per check with the measured difference, "rank R of N on D",
// and "PASS" when every check passed; a failed check throws (exit 1). Argument: the device (cpu or cuda-emu).
package ai.lethe.fisher;

import ai.lethe.core.DType;
import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.source.SyntheticImages;
import ai.lethe.data.source.SyntheticOptions;
import ai.lethe.distributed.Communicator;
import ai.lethe.distributed.Distributed;
import ai.lethe.distributed.MpiCommunicator;
import ai.lethe.distributed.SingleProcess;
import ai.lethe.models.ImageModel;
import ai.lethe.models.Models;
import ai.lethe.models.ResNetConfig;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import ai.lethe.unlearn.UnlearnContext;
import ai.lethe.unlearn.Unlearners;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

public final class DistributedFisherRanks {
    /** Relative L2 difference allowed between the shared and the single-process result (float summation order). */
    public static final double TOLERANCE = 1e-5;
    static final TrainTest DATA = SyntheticImages.generate(new SyntheticOptions(3, 200, 8, 3, 8, 8, 13, 0.3));
    static final int BATCH = 16;
    static final List<String> METHODS = List.of("ssd", "ssd per-sample", "lf-ssd", "ff", "iu");

    private DistributedFisherRanks() {}

    public static void main(String[] args) {
        Device device = Device.parse(args[0]);
        MpiCommunicator mpi = MpiCommunicator.world();
        Unlearners.registerBuiltIns();
        System.out.println("rank " + mpi.rank() + " of " + mpi.size() + " on " + device);
        try (Scope _ = Scope.open("fisher-ranks"); ImageModel fisherModel = PerSampleFisherTest.model(PerSampleFisherTest.RESNET, device)) {
            // single process first (this rank alone, nothing shared)
            Map<String, List<double[]>> single = new LinkedHashMap<>();
            for (FisherKind kind : FisherKind.values()) single.put(kind.name(), fisher(fisherModel, device, kind, SingleProcess.INSTANCE));
            fisherModel.eval();
            Dataset rows = DATA.train().subset(IntStream.range(0, 40).toArray(), "40");
            float[] gSingle = PerSampleGradients.matrix(fisherModel, PerSampleFisherTest.loader(rows, BATCH, device), 40, SingleProcess.INSTANCE).toFloatArray();
            for (String method : METHODS) single.put(method, unlearned(method, device));

            Distributed.join(mpi);
            boolean ok = true;
            for (FisherKind kind : FisherKind.values())
                ok &= compare(kind + " Fisher", single.get(kind.name()), fisher(fisherModel, device, kind, Distributed.current()), mpi);
            float[] gShared = PerSampleGradients.matrix(fisherModel, PerSampleFisherTest.loader(rows, BATCH, device), 40).toFloatArray();
            boolean same = java.util.Arrays.equals(gSingle, gShared);
            System.out.println("per-sample gradient matrix: " + (same ? "bit for bit the single-process one" : "DIFFERS"));
            ok &= same & sameOnEveryRank("per-sample gradient matrix", List.of(toDouble(gShared)), mpi);
            List<double[]> original = unlearned("none", device);
            for (String method : METHODS) {
                double moved = relative(original, single.get(method));
                System.out.println(String.format(Locale.ROOT, "%s moved the weights by %.3g (relative)", method, moved));
                ok &= moved > 1e-4 & compare(method + " model", single.get(method), unlearned(method, device), mpi);
            }
            if (!ok) throw new AssertionError("rank " + mpi.rank() + ": a shared result differs (see above)");
        }
        Distributed.leave();
        System.out.println("PASS");
    }

    /** The diagonal's tensors as host arrays (with {@code comm}: shared over its ranks). */
    static List<double[]> fisher(ImageModel m, Device device, FisherKind kind, Communicator comm) {
        Dataset data = kind == FisherKind.TRUE ? DATA.train().subset(IntStream.range(0, 60).toArray(), "60") : DATA.train();
        try (FisherMap f = FisherDiagonal.compute(m, PerSampleFisherTest.loader(data, BATCH, device), kind, b -> {}, true, comm)) {
            if (f.samples() != data.size()) throw new AssertionError(kind + ": " + f.samples() + " samples, expected " + data.size());
            List<double[]> out = new ArrayList<>();
            for (String k : f.names()) out.add(f.get(k).toDoubleArray());
            return out;
        }
    }

    /** The parameters, as host arrays, of a fresh tiny ResNet18 after {@code method} (over Distributed.current()). */
    static List<double[]> unlearned(String method, Device device) {
        String name = method.split(" ")[0];
        Map<String, String> options = switch (method) {
            case "ssd", "lf-ssd" -> Map.of("alpha", "1.5", "batch-size", "" + BATCH);
            case "ssd per-sample" -> Map.of("alpha", "1.5", "batch-size", "" + BATCH, "fisher", "per-sample");
            case "ff" -> Map.of("alpha", "1e-6", "batch-size", "" + BATCH);
            default -> Map.of("alpha", "0.5", "batch-size", "" + BATCH, "m", "32");
        };
        int[] forget = IntStream.range(0, 160).filter(i -> DATA.train().label(i) == 0).limit(24).toArray();
        int[] retain = IntStream.range(0, 160).filter(i -> DATA.train().label(i) != 0).toArray();
        UnlearnContext context = new UnlearnContext(DATA.train().subset(forget, "Df"), DATA.train().subset(retain, "Dr"), 3, null, null,
                device, 4, 0, Optional.empty(), null, List.of());
        try (ImageModel m = Models.create(new ResNetConfig(3, 3, 4, ResNetConfig.Stem.CIFAR, ResNetConfig.RESNET18_BLOCKS), new Generator(3)).to(device);
             Scope _ = Scope.open(method)) {
            if (!name.equals("none")) Unlearners.create(name, options).run(m, context);
            List<double[]> out = new ArrayList<>();
            for (Tensor p : m.namedParameters().values()) out.add(p.toDoubleArray());
            return out;
        }
    }

    /** ‖b − a‖ / ‖a‖ over all tensors (0 when both are all zero, infinite when only a is). */
    static double relative(List<double[]> a, List<double[]> b) {
        double diff = 0, norm = 0;
        for (int t = 0; t < a.size(); t++) {
            double[] x = a.get(t), y = b.get(t);
            for (int i = 0; i < x.length; i++) {
                diff += (x[i] - y[i]) * (x[i] - y[i]);
                norm += x[i] * x[i];
            }
        }
        return diff == 0 ? 0 : norm == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(diff / norm);
    }

    /** Prints and checks the relative L2 difference, then that every rank holds the same shared result. */
    static boolean compare(String what, List<double[]> single, List<double[]> shared, Communicator comm) {
        double rel = relative(single, shared);
        boolean ok = rel <= TOLERANCE && single.stream().anyMatch(a -> java.util.Arrays.stream(a).anyMatch(v -> v != 0));
        System.out.println(String.format(Locale.ROOT, "%s: relative difference to one process %.3g (tolerance %.0e) %s",
                what, rel, TOLERANCE, ok ? "ok" : "TOO LARGE"));
        return ok & sameOnEveryRank(what, shared, comm);
    }

    /** A float64 checksum per rank in a table all-reduced over the ranks: every entry must be this rank's. */
    static boolean sameOnEveryRank(String what, List<double[]> values, Communicator comm) {
        double sum = 0;
        long i = 0;
        for (double[] a : values) for (double v : a) sum += v * (1 + (i++ % 7));
        double[] table = new double[comm.size()];
        table[comm.rank()] = sum;
        try (Tensor t = Tensor.fromArray(table, DType.FLOAT64, Device.CPU, comm.size())) {
            comm.allReduceSum(t);
            double[] all = t.toDoubleArray();
            for (double v : all) {
                if (Double.compare(v, sum) != 0) {
                    System.out.println(what + ": checksums differ between the ranks " + java.util.Arrays.toString(all));
                    return false;
                }
            }
        }
        System.out.println(what + ": the same on every rank (checksum " + sum + ")");
        return true;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
