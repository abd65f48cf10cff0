// Shared by the commands that read data or build models: loading a dataset by name and building a model
// config, with every bad argument turned into a usage error (exit code 2) that names the option.
package ai.lethe.cli;

import ai.lethe.data.Dataset;
import ai.lethe.data.ImageShape;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.source.DatasetNotFoundException;
import ai.lethe.data.split.Split;
import ai.lethe.models.ModelConfig;
import ai.lethe.train.RunFolder;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

final class CliData {
    /** Written by `lethe train --subset` into its run folder: the subset as a split whose forget part it is. */
    static final String TRAINING_SUBSET = "training-subset.json";

    private CliData() {}

    /**
     * The training set a model was trained on: the full training set, or — when the model's run folder holds a
     * training-subset.json (lethe train --subset) — that subset, so forget/retain sets index what it saw.
     */
    static Dataset trainingSet(CommandSpec spec, Path modelArg, TrainTest data) throws IOException {
        Path file = subsetFile(modelArg);
        if (file == null) return data.train();
        Split s = Split.read(file);
        try {
            return s.sets(data.train(), data.test()).forget();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--model: " + file + " does not fit " + data.name() + ": " + e.getMessage());
        }
    }

    /** training-subset.json of the run {@code modelArg} belongs to (the run folder, its checkpoint folder or a file in it), or null. */
    static Path subsetFile(Path modelArg) { return RunFolder.findInRun(modelArg, TRAINING_SUBSET).orElse(null); }

    /**
     * The recipe options a command was given (null: not given), each checked on its own so that the usage error
     * names the option: --epochs and --batch-size positive, --lr a finite number > 0, --weight-decay a finite
     * number >= 0, --workers >= 0.
     */
    static void checkRecipe(CommandSpec spec, Integer epochs, Double lr, Integer batchSize, Double weightDecay, Integer workers) {
        if (epochs != null && epochs <= 0) throw usage(spec, "--epochs: must be positive, got " + epochs);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) throw usage(spec, "--lr: must be a finite number > 0, got " + lr);
        if (batchSize != null && batchSize <= 0) throw usage(spec, "--batch-size: must be positive, got " + batchSize);
        if (weightDecay != null && !(weightDecay >= 0 && Double.isFinite(weightDecay)))
            throw usage(spec, "--weight-decay: must be a finite number >= 0, got " + weightDecay);
        checkWorkers(spec, workers);
    }

    /** --workers, when given, must be >= 0. */
    static void checkWorkers(CommandSpec spec, Integer workers) {
        if (workers != null && workers < 0) throw usage(spec, "--workers: must be >= 0, got " + workers);
    }

    static ParameterException usage(CommandSpec spec, String message) { return new ParameterException(spec.commandLine(), message); }

    static Pipeline load(CommandSpec spec, String dataset, boolean augment, int resize) throws IOException {
        try {
            return Pipeline.load(dataset, augment, resize);
        } catch (IllegalArgumentException | DatasetNotFoundException e) {
            throw new ParameterException(spec.commandLine(), "--dataset: " + e.getMessage());
        }
    }

    static ModelConfig modelConfig(CommandSpec spec, ModelOptions options, ImageShape input, int classes) {
        try {
            return options.config(input, classes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
