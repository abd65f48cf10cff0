// Tensor-level entry points of the unlearning kernels: SSD's selection + dampening (one fused pass over θ, I_D
// and I_f per tensor, or over whole name -> tensor maps) and Gaussian noise added in place (Fisher
// forgetting). Arguments are validated before anything changes; every failure names the op, the argument, the
// tensor and the shapes. The parameters are updated in place under no-grad and their storage version is
// bumped, so autograd notices if a saved tensor was among them.
package ai.lethe.kernels;

import ai.lethe.backend.RandomKind;
import ai.lethe.core.Shape;
import ai.lethe.tensor.Generator;
import ai.lethe.tensor.GradMode;
import ai.lethe.tensor.Scope;
import ai.lethe.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public final class Unlearning {
    private Unlearning() {}

    /**
     * Selective Synaptic Dampening of one tensor, in place: θ ← θ · min(λ·I_D/I_f, 1) where I_f > α·I_D, θ
     * unchanged elsewhere (so I_f == 0 never selects; I_D == 0 with I_f > 0 zeroes θ). Computed per element in
     * double precision and rounded once.
     *
     * @param theta       the parameter (any floating dtype; updated in place)
     * @param importanceD I_D, the importance on the whole training set: theta's shape and device
     * @param importanceF I_f, the importance on the forget set: theta's shape and device
     * @param alpha       selection threshold α, a finite number > 0 (SSD's default 10)
     * @param lambda      dampening constant λ, a finite number >= 0 (SSD's default 1)
     */
    public static void ssdDampen(Tensor theta, Tensor importanceD, Tensor importanceF, double alpha, double lambda) {
        String op = "ssdDampen";
        checkConstants(op, alpha, lambda);
        checkTriple(op, "theta", theta, importanceD, importanceF);
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            dampen(theta, importanceD, importanceF, alpha, lambda);
        }
    }

    /**
     * SSD over a whole model: every tensor of {@code params} is dampened with the importances of the same name.
     * The three maps must have the same names and, name by name, the same shapes (and device); otherwise nothing
     * is changed and the IllegalArgumentException lists every mismatch.
     *
     * @param params      name -> parameter (updated in place), e.g. a model's named parameters
     * @param importanceD name -> I_D
     * @param importanceF name -> I_f
     */
    public static void ssdDampen(Map<String, Tensor> params, Map<String, Tensor> importanceD, Map<String, Tensor> importanceF,
                                 double alpha, double lambda) {
        String op = "ssdDampen";
        checkConstants(op, alpha, lambda);
        Objects.requireNonNull(params, op + ": params is null");
        Objects.requireNonNull(importanceD, op + ": importanceD is null");
        Objects.requireNonNull(importanceF, op + ": importanceF is null");
        List<String> problems = new ArrayList<>();
        for (var e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            if (p == null || p.isClosed()) {
                problems.add("'" + name + "': the parameter is " + (p == null ? "null" : "closed"));
                continue;
            }
            compare(problems, name, "importanceD", importanceD.get(name), p);
            compare(problems, name, "importanceF", importanceF.get(name), p);
        }
        for (String name : importanceD.keySet())
            if (!params.containsKey(name)) problems.add("'" + name + "': in importanceD but not a parameter");
        for (String name : importanceF.keySet())
            if (!params.containsKey(name)) problems.add("'" + name + "': in importanceF but not a parameter");
        if (!problems.isEmpty())
            throw new IllegalArgumentException(op + ": the importances do not match the parameters (" + problems.size()
                    + (problems.size() == 1 ? " problem" : " problems") + "):\n  " + String.join("\n  ", problems));
        for (var e : params.entrySet())
            checkTriple(op, "parameter '" + e.getKey() + "'", e.getValue(), importanceD.get(e.getKey()),
                    importanceF.get(e.getKey()));
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            for (var e : params.entrySet())
                dampen(e.getValue(), importanceD.get(e.getKey()), importanceF.get(e.getKey()), alpha, lambda);
        }
    }

    private static void compare(List<String> problems, String name, String mapName, Tensor importance, Tensor param) {
        if (importance == null) {
            problems.add("'" + name + "': missing from " + mapName);
        } else if (importance.isClosed()) {
            problems.add("'" + name + "': " + mapName + " tensor was closed");
        } else if (!importance.shape().equals(param.shape())) {
            problems.add("'" + name + "': " + mapName + " has shape " + importance.shape() + ", the parameter "
                    + param.shape());
        } else if (!importance.device().equals(param.device())) {
            problems.add("'" + name + "': " + mapName + " is on " + importance.device() + ", the parameter on "
                    + param.device());
        }
    }

    private static void checkConstants(String op, double alpha, double lambda) {
        Args.positive(op, "alpha", alpha);
        Args.nonNegative(op, "lambda", lambda);
    }

    private static void checkTriple(String op, String thetaName, Tensor theta, Tensor importanceD, Tensor importanceF) {
        Args.tensor(op, thetaName, theta);
        Args.like(op, "importanceD", importanceD, thetaName, theta);
        Args.like(op, "importanceF", importanceF, thetaName, theta);
    }

    private static void dampen(Tensor theta, Tensor importanceD, Tensor importanceF, double alpha, double lambda) {
        Tensor d = Args.dense(importanceD, theta), f = Args.dense(importanceF, theta);
        Args.inPlace(theta, v -> theta.backend().ssdDampen(v, d.kernelView(), f.kernelView(), alpha, lambda));
    }

    /**
     * θ += std · z in place, z standard normal from {@code gen}: the values {@code Tensor.randn(theta.shape(), gen)}
     * would have (the generator's blocks are reserved the same way), so this equals randn-then-add from the same
     * generator state, in one pass and without the temporary. Each element is θ + std·z in double, rounded once.
     *
     * @param theta the tensor to perturb (updated in place)
     * @param std   per-element standard deviations: theta's shape, or a shape that broadcasts to it; same device
     * @param gen   the generator (its counter advances by the blocks of theta.numel() normals)
     */
    public static void addGaussianNoise(Tensor theta, Tensor std, Generator gen) {
        String op = "addGaussianNoise";
        Args.tensor(op, "theta", theta);
        Args.tensor(op, "std", std);
        Objects.requireNonNull(gen, op + ": gen is null");
        Args.sameDevice(op, "std", std, "theta", theta);
        Shape target = theta.shape();
        if (!std.shape().equals(target)) {
            try {
                if (!Shape.broadcast(std.shape(), target, op).equals(target)) throw new IllegalArgumentException();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": std has shape " + std.shape() + ", which does not broadcast to"
                        + " theta's shape " + target);
            }
        }
        try (var _ = GradMode.noGrad(); var _ = Scope.open(op)) {
            Tensor s = Args.dense(std.shape().equals(target) ? std : std.expand(target.dims()), theta);
            long counter = gen.reserve(RandomKind.NORMAL, theta.numel());
            long seed = gen.seed();
            Args.inPlace(theta, v -> theta.backend().addGaussianNoise(v, s.kernelView(), seed, counter));
        }
    }
}
