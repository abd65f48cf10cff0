// A dataset's official train and test parts, with the name it is known by ("fashion-mnist", "cifar20", ...). Both
// parts must hold images, of one shape and with the same classes; the error names the parts and what differs
// (the formats check first, naming the file).
package ai.lethe.data;

public record TrainTest(String name, Dataset train, Dataset test) {
    public TrainTest {
        if (!train.shape().equals(test.shape()))
            throw new IllegalArgumentException(name + ": the train part (" + train.name() + ") has images of shape " + train.shape()
                    + " but the test part (" + test.name() + ") has " + test.shape() + "; both parts need one shape");
        if (!train.classNames().equals(test.classNames()))
            throw new IllegalArgumentException(name + ": the train part (" + train.name() + ") has the " + train.numClasses()
                    + " classes " + abbreviate(train.classNames()) + " but the test part (" + test.name() + ") has the "
                    + test.numClasses() + " classes " + abbreviate(test.classNames()) + "; both parts need the same classes");
        for (Dataset part : new Dataset[] {train, test})
            if (part.size() == 0)
                throw new IllegalArgumentException(name + ": the " + (part == train ? "train" : "test") + " part (" + part.name()
                        + ") holds no images; training and evaluation need both parts");
    }

    private static String abbreviate(java.util.List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " (and " + (names.size() - 12) + " more)";
    }
}
