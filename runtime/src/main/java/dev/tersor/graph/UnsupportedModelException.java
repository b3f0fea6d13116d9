package dev.tersor.graph;

/** A model uses an operator, attribute or element type Tersor does not implement. */
public class UnsupportedModelException extends ModelException {
    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message);
    }
}
