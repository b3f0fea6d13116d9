package dev.tersor.embed;

/**
 * A text has more tokens than the model takes and the caller asked not to truncate it
 * ({@link EmbedSettings#truncate()} false). An HTTP front end answers it with 413.
 */
public final class TextTooLongException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int index;
    private final int maxTokens;

    public TextTooLongException(int index, int maxTokens) {
        super("text " + index + " is longer than the " + maxTokens + " tokens this model takes, and truncation is off");
        this.index = index;
        this.maxTokens = maxTokens;
    }

    /** Position of the first text that is too long, in the caller's list. */
    public int index() {
        return index;
    }

    /** Most tokens per text, special tokens included. */
    public int maxTokens() {
        return maxTokens;
    }
}
