// What an unlearning method needs besides the model: the forget set Df, the retain set Dr, the Fisher diagonal
// of the full training set (SSD: computed from D = Df ∪ Dr unless a cache is given), or the base training
// recipe (Retrain). Asking a method to run without what it needs is an IllegalArgumentException naming it.
package ai.lethe.unlearn;

public enum Requirement {
    FORGET_SET("the forget set Df"),
    RETAIN_SET("the retain set Dr"),
    FULL_FISHER("the Fisher diagonal of the full training set (or Df and Dr to compute it)"),
    TRAINING_RECIPE("the base training recipe");

    private final String description;

    Requirement(String description) { this.description = description; }

    public String description() { return description; }
}
