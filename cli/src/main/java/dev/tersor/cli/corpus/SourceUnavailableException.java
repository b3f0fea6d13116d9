package dev.tersor.cli.corpus;

import java.io.IOException;

/**
 * A corpus or model could not be fetched: the message is one line that names the source and what
 * to install or run to get it.
 */
public final class SourceUnavailableException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String message) {
        super(message);
    }
}
