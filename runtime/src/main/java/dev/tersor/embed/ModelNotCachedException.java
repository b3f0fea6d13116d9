package dev.tersor.embed;

import java.io.IOException;

/** A model asked for by id is not in the local Hugging Face cache, which is never filled by Tersor. */
public class ModelNotCachedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelNotCachedException(String message) {
        super(message);
    }
}
