package dev.tersor.bench.blas;

/** OpenBLAS could not be loaded; the message says how to install it. Benchmarks stop rather than run without it. */
public final class OpenBlasUnavailableException extends RuntimeException {

    /** What to do about it, on Debian and Ubuntu. */
    public static final String INSTALL_HINT = "Install it with: sudo apt-get install libopenblas-dev";

    private static final long serialVersionUID = 1L;

    OpenBlasUnavailableException(String message, Throwable cause) {
        super(message + ". The benchmarks compare every result with OpenBLAS and print nothing without it. "
                + INSTALL_HINT + " (or point -D" + OpenBlas.LIBRARY_PROPERTY + "=PATH at a libopenblas.so).", cause);
    }
}
