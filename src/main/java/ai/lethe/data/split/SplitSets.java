// The four parts of a Split as datasets: Df and Dr (views of the training set), the forget-test set (a view of
// the test set, or of the training set for random and index requests) and the retain-test set.
package ai.lethe.data.split;

import ai.lethe.data.Dataset;

public record SplitSets(Dataset forget, Dataset retain, Dataset forgetTest, Dataset retainTest) {}
