package dev.tersor.bench;

/**
 * What a matrix-suite trial found while setting up, one JSON line per trial: the bytes it reads,
 * whether its result matched the reference, or why it was skipped. The report joins these with the
 * JMH timings by {@code (matrix, variant, batch, threads)}.
 *
 * @param status    {@link #OK}, {@link #SKIPPED} or {@link #FAILED}
 * @param bytes     bytes of the weights as stored (the dense float32 matrix for OpenBLAS); 0 unless ok
 * @param nonZeros  entries that are not zero in the matrix
 * @param message   why a trial was skipped or failed; empty when ok
 */
public record TrialRecord(String matrix, String variant, int batch, int threads, String status, long bytes,
                          long nonZeros, int rows, int cols, String message) {

    public static final String OK = "ok";
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";

    /** {@code rows × cols}. */
    public long entries() {
        return (long) rows * cols;
    }

    public boolean ok() {
        return OK.equals(status);
    }
}
