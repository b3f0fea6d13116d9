package dev.tersor.embed;

/**
 * A {@code tokenizer.json} that Tersor will not hand to the native tokenizer: not JSON, no usable
 * model, or a model that would abort the process on some input (see {@link TokenizerJson}).
 */
public final class InvalidTokenizerException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidTokenizerException(String message) {
        super(message);
    }

    public InvalidTokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
