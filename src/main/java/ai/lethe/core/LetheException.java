// The one unchecked exception for failures below the Java API: a native call that returned an error status,
// a library that could not be loaded. Bad arguments are IllegalArgumentException; use after close is
// IllegalStateException; out-of-range indices are IndexOutOfBoundsException.
package ai.lethe.core;

public class LetheException extends RuntimeException {
    public LetheException(String message) { super(message); }
    public LetheException(String message, Throwable cause) { super(message, cause); }
}
