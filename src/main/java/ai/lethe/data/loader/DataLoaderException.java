// A batch could not be made (reading, transforming or uploading a sample failed, on a worker thread or the
// caller's); the cause is the original exception.
package ai.lethe.data.loader;

public final class DataLoaderException extends RuntimeException {
    public DataLoaderException(String message, Throwable cause) { super(message, cause); }
}
