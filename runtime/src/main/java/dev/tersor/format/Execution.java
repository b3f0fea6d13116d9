package dev.tersor.format;

import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.TensorKernels;

import java.util.Objects;

/**
 * How a model runs: which provider runs the weight products ({@code kernels}), which runs the other
 * operators' float loops ({@code tensorKernels}), and how many row-parallel threads. The default is
 * the providers chosen at startup and one thread (latency first), or {@value #THREADS_PROPERTY} threads.
 */
public record Execution(Kernels kernels, TensorKernels tensorKernels, Parallelism parallelism) {

    /** System property: default number of row-parallel threads. */
    public static final String THREADS_PROPERTY = "tersor.threads";

    public Execution {
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(tensorKernels, "tensorKernels");
        Objects.requireNonNull(parallelism, "parallelism");
    }

    /** {@code kernels} for the weight products, the preferred tensor kernels for the rest. */
    public Execution(Kernels kernels, Parallelism parallelism) {
        this(kernels, TensorKernels.preferred(), parallelism);
    }

    public static Execution defaults() {
        return Defaults.INSTANCE;
    }

    /** The preferred kernels on {@code threads} threads. */
    public static Execution threads(int threads) {
        return new Execution(Kernels.preferred(), Parallelism.of(threads));
    }

    public Execution withKernels(Kernels other) {
        return new Execution(other, tensorKernels, parallelism);
    }

    public Execution withTensorKernels(TensorKernels other) {
        return new Execution(kernels, other, parallelism);
    }

    public Execution withThreads(int threads) {
        return new Execution(kernels, tensorKernels, Parallelism.of(threads));
    }

    private static final class Defaults {
        static final Execution INSTANCE = new Execution(Kernels.preferred(),
                Parallelism.of(Integer.getInteger(THREADS_PROPERTY, 1)));
    }
}
