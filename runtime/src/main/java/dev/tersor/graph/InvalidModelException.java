package dev.tersor.graph;

/**
 * A model is malformed or inconsistent: shapes that do not match, a dangling value name, an
 * attribute out of range, or inputs that do not fit the model.
 */
public class InvalidModelException extends ModelException {
    private static final long serialVersionUID = 1L;

    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
