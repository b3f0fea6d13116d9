package dev.tersor.embed;

import dev.tersor.graph.InvalidModelException;

/**
 * A Hugging Face model folder lacks a file an embedder needs, or its files are malformed or
 * contradict each other. The message names the folder and the file.
 */
public class InvalidModelFolderException extends InvalidModelException {
    private static final long serialVersionUID = 1L;

    public InvalidModelFolderException(String message) {
        super(message);
    }

    public InvalidModelFolderException(String message, Throwable cause) {
        super(message, cause);
    }
}
