// The backdoor options of the commands: `lethe train --poison badnets:...` poisons the training set (after
// --subset) and records it as poison.json in the run folder; `lethe unlearn` rebuilds the poisoned training set
// from that record whenever the model's run has one (so Df/Dr index what the model saw), and `--forget poisoned`
// needs it. Every bad spec or record is a usage error (exit code 2) naming the option and the file.
package ai.lethe.cli;

import ai.lethe.core.Device;
import ai.lethe.data.Dataset;
import ai.lethe.data.poison.PoisonRecord;
import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.data.split.PoisonForget;
import ai.lethe.data.transform.Transform;
import ai.lethe.eval.AttackSuccess;
import ai.lethe.nn.Module;
import ai.lethe.train.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

final class CliPoison {
    private CliPoison() {}

    /** --poison's spec, or null when not given. */
    static PoisonSpec parse(CommandSpec spec, String text) {
        if (text == null) return null;
        try {
            return PoisonSpec.parse(text);
        } catch (IllegalArgumentException e) {
            throw usage(spec, "--poison: " + e.getMessage());
        }
    }

    /** {@code train} poisoned as {@code poison} says (its seed, else {@code seed}); null when {@code poison} is null. */
    static Poisoned poison(CommandSpec spec, PoisonSpec poison, Dataset train, long seed) {
        if (poison == null) return null;
        try {
            return Poisoned.of(train, poison, seed);
        } catch (IllegalArgumentException e) {
            throw usage(spec, "--poison: " + e.getMessage());
        }
    }

    /**
     * With --resume: the run in {@code run} must have been started with the same poisoning (or none, as
     * {@code now} is null); a usage error naming poison.json otherwise.
     */
    static void checkResume(CommandSpec spec, RunFolder run, PoisonRecord now) throws IOException {
        Path file = run.root().resolve(PoisonRecord.FILE);
        PoisonRecord before = Files.isRegularFile(file) ? read(spec, "--resume", file) : null;
        if (before == null && now != null)
            throw usage(spec, "--poison: the run in " + run.root() + " trains on clean data (it has no " + PoisonRecord.FILE + "); resume it without --poison");
        if (before != null && now == null)
            throw usage(spec, "--poison: the run in " + run.root() + " trains on poisoned data (" + file + "); resume it with --poison "
                    + before.spec().spec());
        if (before != null && !before.equals(now))
            throw usage(spec, "--poison: the run in " + run.root() + " was poisoned with " + before.spec().spec() + " (" + file
                    + "), not " + now.spec().spec() + "; resume it with the same --poison");
    }

    /**
     * The training set {@code modelArg}'s run trained on: {@code train} poisoned as its poison.json records, or
     * {@code train} itself when the run has none — a usage error naming the folder when {@code request} is
     * `poisoned` and there is no record.
     */
    static Dataset trainingSet(CommandSpec spec, Path modelArg, Dataset train, ForgetRequest request) throws IOException {
        Path file = RunFolder.findInRun(modelArg, PoisonRecord.FILE).orElse(null);
        if (file == null) {
            if (request instanceof PoisonForget) {
                Path dir = Files.isDirectory(modelArg) ? modelArg : modelArg.toAbsolutePath().getParent();
                throw usage(spec, "--forget poisoned: the model's run folder " + dir + " (and the two folders above it) holds no "
                        + PoisonRecord.FILE + "; only a model trained with `lethe train --poison` records which samples were poisoned");
            }
            return train;
        }
        PoisonRecord record = read(spec, "--model", file);
        try {
            return record.apply(train);
        } catch (IllegalArgumentException e) {
            throw usage(spec, "--model: " + file + " does not fit the training set: " + e.getMessage());
        }
    }

    /** The attack success of {@code model} on {@code test} for {@code poisoned}'s trigger and target. */
    static AttackSuccess attackSuccess(Module model, Dataset test, Poisoned poisoned, Transform transform, Device device, int workers) {
        return AttackSuccess.evaluate(model, test, new AttackSuccess.Backdoor(poisoned.trigger(), poisoned.target()), transform, device,
                256, workers);
    }

    private static PoisonRecord read(CommandSpec spec, String option, Path file) throws IOException {
        try {
            return PoisonRecord.read(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw usage(spec, option + ": " + file + " does not exist");
        } catch (IOException e) {
            if (e.getCause() instanceof IllegalArgumentException) throw usage(spec, option + ": " + e.getMessage());
            throw e;
        }
    }

    private static ParameterException usage(CommandSpec spec, String message) { return new ParameterException(spec.commandLine(), message); }
}
