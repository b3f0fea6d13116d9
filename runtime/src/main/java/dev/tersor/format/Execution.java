package dev.tersor.format;

import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;

import java.util.Objects;

/**
 * How a product runs: which kernel provider and how many row-parallel threads. The default is the
 * provider chosen at startup and one thread (latency first), or {@value #THREADS_PROPERTY} threads.
 */
public record Execution(Kernels kernels, Parallelism parallelism) {

    /** System property: default number of row-parallel threads. */
    public static final String THREADS_PROPERTY = "tersor.threads";

    public Execution {
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(parallelism, "parallelism");
    }

    public static Execution defaults() {
        return Defaults.INSTANCE;
    }

    /** The preferred kernels on {@code threads} threads. */
    public static Execution threads(int threads) {
        return new Execution(Kernels.preferred(), Parallelism.of(threads));
    }

    public Execution withKernels(Kernels other) {
        return new Execution(other, parallelism);
    }

    public Execution withThreads(int threads) {
        return new Execution(kernels, Parallelism.of(threads));
    }

    private static final class Defaults {
        static final Execution INSTANCE = new Execution(Kernels.preferred(),
                Parallelism.of(Integer.getInteger(THREADS_PROPERTY, 1)));
    }
}
