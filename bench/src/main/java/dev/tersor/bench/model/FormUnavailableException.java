package dev.tersor.bench.model;

/** A model form this run could not prepare (no compressor in the build): its trials are skipped, with the reason. */
public final class FormUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FormUnavailableException(String message) {
        super(message);
    }
}
