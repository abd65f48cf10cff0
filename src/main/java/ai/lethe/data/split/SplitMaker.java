// Builds a Split from a request: checks the request against the datasets (class and sub-class ranges and names,
// counts, indices; a poisoned request needs an ai.lethe.data.poison.Poisoned training set) and selects the samples.
// Random requests draw a seeded sample without replacement: a partial Fisher-Yates shuffle of 0..n-1 from
// RandomSource(seed, SPLIT, 0, 0), its first k entries, sorted.
package ai.lethe.data.split;

import ai.lethe.data.Dataset;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.Subclasses;
import ai.lethe.data.transform.RandomSource;
import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

final class SplitMaker {
    private SplitMaker() {}

    static Split make(String name, Dataset train, Dataset test, ForgetRequest request, long seed) {
        int n = train.size();
        String where = train.name();
        return switch (request) {
            case ClassForget(int k) -> {
                if (k >= train.numClasses())
                    throw Requests.bad(request.spec(), "class " + k + " is out of range; " + where + " has " + train.numClasses()
                            + " classes (0.." + (train.numClasses() - 1) + ")");
                yield byPredicate(name, train, test, request, seed, i -> train.label(i) == k, i -> test.label(i) == k,
                        "class " + k + " (" + train.classNames().get(k) + ")");
            }
            case SubclassForget s -> {
                Subclasses trainSub = train.subclasses().orElseThrow(() -> Requests.bad(request.spec(),
                        where + " has no sub-classes (only datasets with fine classes inside their labels do, like CIFAR-20)"));
                Subclasses testSub = test.subclasses().orElseThrow(() -> Requests.bad(request.spec(),
                        "the test set " + test.name() + " has no sub-classes"));
                if (!trainSub.names().equals(testSub.names()))
                    throw Requests.bad(request.spec(), "the sub-classes of " + where + " and " + test.name() + " differ");
                int k = s.resolve(trainSub, where);
                yield byPredicate(name, train, test, request, seed, i -> trainSub.subclass(i) == k, i -> testSub.subclass(i) == k,
                        "sub-class " + k + " (" + trainSub.names().get(k) + ")");
            }
            case RandomForget r -> fromTrain(name, train, test, request, seed, sample(n, r.size(n, where), seed));
            case IndexForget x -> {
                x.check(n, where);
                yield fromTrain(name, train, test, request, seed, x.indices());
            }
            case PoisonForget _ -> {
                if (!(train instanceof Poisoned p))
                    throw Requests.bad(request.spec(), where + " is not a poisoned training set; forgetting the poisoned samples needs a model"
                            + " trained with --poison (its run folder records them in " + ai.lethe.data.poison.PoisonRecord.FILE + ")");
                yield fromTrain(name, train, test, request, seed, p.indices());
            }
        };
    }

    private static Split byPredicate(String name, Dataset train, Dataset test, ForgetRequest request, long seed,
                                     IntPredicate inTrain, IntPredicate inTest, String what) {
        int[] forget = IntStream.range(0, train.size()).filter(inTrain).toArray();
        if (forget.length == 0) throw Requests.bad(request.spec(), what + " has no sample in " + train.name());
        int[] retain = IntStream.range(0, train.size()).filter(inTrain.negate()).toArray();
        int[] forgetTest = IntStream.range(0, test.size()).filter(inTest).toArray();
        int[] retainTest = IntStream.range(0, test.size()).filter(inTest.negate()).toArray();
        return new Split(name, request, seed, train.size(), test.size(), false, forget, retain, forgetTest, retainTest);
    }

    private static Split fromTrain(String name, Dataset train, Dataset test, ForgetRequest request, long seed, int[] forget) {
        int[] retain = complement(forget, train.size());
        return new Split(name, request, seed, train.size(), test.size(), true, forget, retain, forget,
                IntStream.range(0, test.size()).toArray());
    }

    /** {@code k} distinct values of 0..n-1, sorted: the first k of a seeded partial Fisher-Yates shuffle. */
    static int[] sample(int n, int k, long seed) {
        return RandomSource.of(seed, RandomSource.SPLIT, 0, 0).distinctSorted(n, k);
    }

    /** 0..n-1 without the sorted values of {@code sorted}. */
    private static int[] complement(int[] sorted, int n) {
        int[] out = new int[n - sorted.length];
        int j = 0, o = 0;
        for (int v = 0; v < n; v++) {
            if (j < sorted.length && sorted[j] == v) j++;
            else out[o++] = v;
        }
        return out;
    }
}
