package dev.tersor.graph;

/**
 * Base of the typed exceptions the graph runtime throws for bad models or bad inputs, as opposed to
 * programming errors: callers can catch this one type for anything a model file or its inputs caused.
 */
public class ModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
