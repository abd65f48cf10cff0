// Index of the largest / smallest element along one dimension (first occurrence; NaN counts as largest).
package ai.lethe.backend;

public enum ArgReduceOp { ARGMAX, ARGMIN }
