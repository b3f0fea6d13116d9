package dev.tersor.bench.model;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one forward pass of a Tersor model spends its time, per operator of the compiled graph
 * (mean milliseconds over the profiled passes), and how fast its weight products run: the GEMM rate
 * and the non-GEMM share the lean-runtime work is judged by. Weight products are the {@code Linear}
 * nodes; activation × activation products (attention) count as non-GEMM work.
 *
 * @param millisByOperator   mean milliseconds per operator, largest first
 * @param gemmMultiplyAdds   multiply-adds of one pass's weight products
 */
public record OperatorProfile(Map<String, Double> millisByOperator, long gemmMultiplyAdds) {

    /** The operator the weight products run as in a compiled graph. */
    public static final String GEMM_OPERATOR = "Linear";

    /** No profile: the runtime does not report one (ONNX Runtime), or none was asked for. */
    public static final OperatorProfile NONE = new OperatorProfile(Map.of(), 0);

    public OperatorProfile {
        if (gemmMultiplyAdds < 0) {
            throw new IllegalArgumentException("negative multiply-adds " + gemmMultiplyAdds);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        millisByOperator.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        millisByOperator = java.util.Collections.unmodifiableMap(sorted);
    }

    /** Mean nanoseconds per operator over {@code passes} profiled passes, from their summed nanoseconds. */
    static OperatorProfile of(Map<String, Long> summedNanos, int passes, long gemmMultiplyAdds) {
        if (passes < 1) {
            throw new IllegalArgumentException("no profiled pass");
        }
        Map<String, Double> millis = new LinkedHashMap<>();
        summedNanos.forEach((op, nanos) -> millis.put(op, nanos / 1e6 / passes));
        return new OperatorProfile(millis, gemmMultiplyAdds);
    }

    public boolean isEmpty() {
        return millisByOperator.isEmpty();
    }

    public double totalMillis() {
        return millisByOperator.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public double gemmMillis() {
        return millisByOperator.getOrDefault(GEMM_OPERATOR, 0.0);
    }

    /** Billions of multiply-adds per second in the weight products; NaN without any. */
    public double gemmGmacPerSecond() {
        double millis = gemmMillis();
        return millis > 0 && gemmMultiplyAdds > 0 ? gemmMultiplyAdds / millis / 1e6 : Double.NaN;
    }

    /** The share of the pass outside the weight products, 0 to 1; NaN when empty. */
    public double nonGemmShare() {
        double total = totalMillis();
        return total > 0 ? 1 - gemmMillis() / total : Double.NaN;
    }
}
