package dev.tersor.bench.model;

/**
 * What a model-suite trial found while setting up, one JSON line per trial in the model trial log:
 * whether its output matched the reference (and how closely), its sizes and its memory.
 *
 * @param benchmark     the JMH class's simple name
 * @param status        {@code ok}, {@code skipped} or {@code failed} (as {@link dev.tersor.bench.TrialRecord})
 * @param fileBytes     size of the file it loaded
 * @param weightBytes   bytes of the weights as the runtime holds them; −1 when it does not say (ONNX Runtime)
 * @param cosine        least cosine of its pooled outputs to {@code reference}'s; NaN when not checked
 * @param residentBefore resident set before loading; −1 off Linux
 * @param residentLoaded resident set after loading and the first run
 * @param peakResident  peak resident set of the fork at the end of the trial
 * @param offHeapBytes  off-heap bytes the JVM tracks after loading
 */
public record ModelTrialRecord(String benchmark, String form, String workload, int threads, String status,
                               String message, long fileBytes, long weightBytes, String reference, double cosine,
                               long residentBefore, long residentLoaded, long peakResident, long offHeapBytes) {

    public boolean ok() {
        return dev.tersor.bench.TrialRecord.OK.equals(status);
    }
}
