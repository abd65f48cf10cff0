// The data of one forgetting task: the dataset's pipeline (transforms), the training and test sets actually
// used (optionally balanced subsets), the split of a forget request over them, and the four parts (Df, Dr,
// forget-test, retain-test). Built once per experiment and shared by every method and seed. With a poison spec the
// training set (after the subset) is backdoored first (ai.lethe.data.poison.Poisoned), so the original model
// trains on it and a `poisoned` request forgets exactly its poisoned samples.
package ai.lethe.experiment;

import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import ai.lethe.data.pipeline.Pipeline;
import ai.lethe.data.split.ForgetRequest;
import ai.lethe.data.split.Split;
import ai.lethe.data.split.SplitSets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

public record TaskData(Pipeline pipeline, Dataset train, Dataset test, Split split, SplitSets sets) {

    /**
     * The task of {@code request} on {@code pipeline}'s data, cut to balanced subsets first when
     * {@code trainSubset}/{@code testSubset} are positive (per-class shares drawn with {@code subsetSeed}).
     */
    public static TaskData of(Pipeline pipeline, int trainSubset, int testSubset, long subsetSeed, ForgetRequest request, long splitSeed) {
        return of(pipeline, trainSubset, testSubset, subsetSeed, java.util.Optional.empty(), request, splitSeed);
    }

    /** As above, the training set (after the subset) poisoned as {@code poison} says (its seed, else {@code subsetSeed}). */
    public static TaskData of(Pipeline pipeline, int trainSubset, int testSubset, long subsetSeed,
                              java.util.Optional<ai.lethe.data.poison.PoisonSpec> poison, ForgetRequest request, long splitSeed) {
        TrainTest data = pipeline.data();
        Dataset train = trainSubset > 0 ? balanced(data.train(), trainSubset, subsetSeed, "train") : data.train();
        if (poison.isPresent()) train = ai.lethe.data.poison.Poisoned.of(train, poison.get(), subsetSeed);
        Dataset test = testSubset > 0 ? balanced(data.test(), testSubset, subsetSeed, "test") : data.test();
        Split split = Split.of(train, test, request, splitSeed);
        return checked(new TaskData(pipeline, train, test, split, split.sets(train, test)), request);
    }

    /** Refuses a task with nothing to forget or nothing to retain. */
    private static TaskData checked(TaskData t, ForgetRequest request) {
        if (t.sets().forget().size() == 0)
            throw new IllegalArgumentException("forget request " + request.spec() + " selects no training sample; there is nothing to forget");
        if (t.sets().retain().size() == 0)
            throw new IllegalArgumentException("forget request " + request.spec() + " covers all " + t.train().size()
                    + " training samples; nothing would be retained (unlearning needs Dr non-empty; retrain from scratch instead)");
        return t;
    }

    /** The same task on a given training set (e.g. the subset a model was trained on). */
    public static TaskData of(Pipeline pipeline, Dataset train, Dataset test, ForgetRequest request, long splitSeed) {
        Split split = Split.of(train, test, request, splitSeed);
        return checked(new TaskData(pipeline, train, test, split, split.sets(train, test)), request);
    }

    public int numClasses() { return train.numClasses(); }

    /**
     * {@code total} samples with the classes as balanced as the data allows (total / classes each, the remainder
     * to the first classes), drawn with {@code seed}, in index order.
     */
    public static Dataset balanced(Dataset d, int total, long seed, String part) {
        if (total <= 0 || total > d.size())
            throw new IllegalArgumentException(part + " subset of " + total + " samples: must be in [1, " + d.size() + "] for " + d.name());
        int classes = d.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < d.size(); i++) byClass.get(d.label(i)).add(i);
        Random r = new Random(seed);
        for (List<Integer> idx : byClass) Collections.shuffle(idx, r);
        List<Integer> chosen = new ArrayList<>(total);
        int[] taken = new int[classes];
        // round-robin over classes until total is reached: balanced, and exact even when a class runs short
        while (chosen.size() < total) {
            boolean any = false;
            for (int c = 0; c < classes && chosen.size() < total; c++) {
                if (taken[c] < byClass.get(c).size()) {
                    chosen.add(byClass.get(c).get(taken[c]++));
                    any = true;
                }
            }
            if (!any) break;
        }
        chosen.sort(null);
        return d.subset(chosen.stream().mapToInt(Integer::intValue).toArray(), d.name() + " " + part + " subset of " + total);
    }
}
