package dev.tersor.bench.report;

import java.util.List;
import java.util.Map;

/**
 * One entry of JMH's JSON result: a benchmark method with its parameter values, and every
 * measurement iteration of every fork, converted to nanoseconds per operation.
 *
 * @param benchmark the class's simple name, e.g. {@code MatVecBenchmark}
 */
public record JmhEntry(String benchmark, String method, Map<String, String> params, List<Double> samplesNs) {

    public JmhEntry {
        params = Map.copyOf(params);
        samplesNs = List.copyOf(samplesNs);
    }

    public String param(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalArgumentException(benchmark + " result has no parameter " + name);
        }
        return value;
    }
}
