package dev.tersor.bench.suite;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH invocation of a plan: a benchmark class and the values of each of its parameters. JMH
 * runs the cartesian product of the values.
 *
 * @param label     short name for logs and the report, e.g. {@code "matrix B∈{1,8} T=1"}
 * @param benchmark simple name of the JMH class in {@code dev.tersor.bench}
 * @param params    parameter name to values, in the order given
 */
public record JmhRun(String label, String benchmark, Map<String, List<String>> params) {

    public JmhRun {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException(label + ": parameter " + e.getKey() + " has no values");
            }
            copy.put(e.getKey(), List.copyOf(e.getValue()));
        }
        params = Collections.unmodifiableMap(copy);
    }

    /** Trials in this run: the product of the number of values of each parameter. */
    public long trials() {
        long n = 1;
        for (List<String> values : params.values()) {
            n *= values.size();
        }
        return n;
    }

    public List<String> values(String param) {
        List<String> values = params.get(param);
        if (values == null) {
            throw new IllegalArgumentException(label + " has no parameter " + param);
        }
        return values;
    }
}
