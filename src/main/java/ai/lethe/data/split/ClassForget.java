// Forget every training sample of one class (full-class forgetting); evaluation: the test samples of that class
// (forget-test) and the rest of the test set (retain-test).
package ai.lethe.data.split;

public record ClassForget(int classIndex) implements ForgetRequest {
    public ClassForget {
        if (classIndex < 0) throw new IllegalArgumentException("forget request 'class=" + classIndex + "': the class must be >= 0");
    }

    @Override public String kind() { return "class"; }

    @Override public String spec() { return "class=" + classIndex; }
}
