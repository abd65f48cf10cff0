// A dataset's official train and test parts, with the name it is known by ("fashion-mnist", "cifar20", ...).
package ai.lethe.data;

public record TrainTest(String name, Dataset train, Dataset test) {
    public TrainTest {
        if (!train.shape().equals(test.shape()) || !train.classNames().equals(test.classNames()))
            throw new IllegalArgumentException(name + ": train and test parts differ in image shape or classes");
    }
}
