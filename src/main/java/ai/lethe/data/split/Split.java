// A forget/retain split of a training set, with the test sets its evaluation uses (ALGORITHMS.md, "Forgetting
// scenarios"): forget (Df) and retain (Dr = train \ Df) as sorted indices of the training set; forgetTest and
// retainTest — for a class or sub-class, the test samples of it and the rest of the test set (indices of the
// test set); for random and index requests, Df itself (indices of the training set: forgetTestFromTrain) and the
// whole test set. A split is a pure function of (training and test sets, request, seed), is written next to every
// result as JSON (write/read, atomic), and gives Dataset views of its four parts through sets(train, test).
package ai.lethe.data.split;

import ai.lethe.data.Dataset;
import ai.lethe.data.TrainTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

public record Split(String dataset, ForgetRequest request, long seed, int trainSize, int testSize,
                    boolean forgetTestFromTrain, int[] forget, int[] retain, int[] forgetTest, int[] retainTest) {
    public Split {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(request, "request");
        forget = forget.clone();
        retain = retain.clone();
        forgetTest = forgetTest.clone();
        retainTest = retainTest.clone();
        SplitChecks.partition("forget", forget, "retain", retain, trainSize);
        if (forgetTestFromTrain) {
            if (!Arrays.equals(forget, forgetTest)) throw new IllegalArgumentException("split: forgetTest must equal forget when it is taken from the training set");
            SplitChecks.partition("retainTest", retainTest, "nothing", new int[0], testSize);
        } else {
            SplitChecks.partition("forgetTest", forgetTest, "retainTest", retainTest, testSize);
        }
    }

    /** The split of {@code train} (named by its name) that {@code request} asks for; {@code seed} drives random requests. */
    public static Split of(Dataset train, Dataset test, ForgetRequest request, long seed) {
        return SplitMaker.make(train.name(), train, test, request, seed);
    }

    /** The split of {@code data}'s train part, named by {@code data.name()}. */
    public static Split of(TrainTest data, ForgetRequest request, long seed) {
        return SplitMaker.make(data.name(), data.train(), data.test(), request, seed);
    }

    /** Dataset views of the four parts, on the training and test sets this split was made from (sizes are checked). */
    public SplitSets sets(Dataset train, Dataset test) {
        if (train.size() != trainSize || test.size() != testSize)
            throw new IllegalArgumentException("split of " + dataset + " was made for " + trainSize + " training and " + testSize
                    + " test samples; got " + train.name() + " (" + train.size() + ") and " + test.name() + " (" + test.size() + ")");
        String tag = " [" + request.spec() + "]";
        return new SplitSets(train.subset(forget, train.name() + " forget" + tag), train.subset(retain, train.name() + " retain" + tag),
                forgetTestFromTrain ? train.subset(forget, train.name() + " forget" + tag) : test.subset(forgetTest, test.name() + " forget-test" + tag),
                test.subset(retainTest, test.name() + " retain-test" + tag));
    }

    /** The JSON form (see SplitJson). */
    public String toJson() { return SplitJson.write(this); }

    /** Writes {@link #toJson()} to {@code file} atomically (a temporary sibling, then a rename). */
    public void write(Path file) throws IOException { SplitJson.writeFile(this, file); }

    /** Reads a split written by {@link #write}; an IOException naming the file and the problem if it is not one. */
    public static Split read(Path file) throws IOException { return SplitJson.readFile(file); }

    /** Parses {@link #toJson()}'s form. */
    public static Split fromJson(String json) { return SplitJson.read(json); }

    @Override public int[] forget() { return forget.clone(); }

    @Override public int[] retain() { return retain.clone(); }

    @Override public int[] forgetTest() { return forgetTest.clone(); }

    @Override public int[] retainTest() { return retainTest.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof Split s && dataset.equals(s.dataset) && request.equals(s.request) && seed == s.seed
                && trainSize == s.trainSize && testSize == s.testSize && forgetTestFromTrain == s.forgetTestFromTrain
                && Arrays.equals(forget, s.forget) && Arrays.equals(retain, s.retain)
                && Arrays.equals(forgetTest, s.forgetTest) && Arrays.equals(retainTest, s.retainTest);
    }

    @Override public int hashCode() {
        return Objects.hash(dataset, request, seed, trainSize, testSize, forgetTestFromTrain, Arrays.hashCode(forget),
                Arrays.hashCode(forgetTest), Arrays.hashCode(retainTest));
    }

    @Override public String toString() {
        return "Split(" + dataset + ", " + request.spec() + ", seed " + seed + ": forget " + forget.length + ", retain "
                + retain.length + ", forget-test " + forgetTest.length + (forgetTestFromTrain ? " (train)" : "")
                + ", retain-test " + retainTest.length + ")";
    }
}
