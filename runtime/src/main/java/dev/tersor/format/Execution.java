package dev.tersor.format;

import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.TensorKernels;

import java.util.Objects;

/**
 * How a model runs: which provider runs the weight products ({@code kernels}), which runs the other
 * operators' float loops ({@code tensorKernels}), how many row-parallel threads one pass uses, and how
 * many passes of one model may run at once ({@code concurrentPasses}; callers beyond it wait their
 * turn). The default is the providers chosen at startup, one thread per pass (latency first), or
 * {@value #THREADS_PROPERTY} threads, and {@code max(2, cores)} passes at once, or
 * {@value #CONCURRENT_PASSES_PROPERTY}.
 */
public record Execution(Kernels kernels, TensorKernels tensorKernels, Parallelism parallelism, int concurrentPasses) {

    /** System property: default number of row-parallel threads. */
    public static final String THREADS_PROPERTY = "tersor.threads";

    /** System property: default number of passes of one model that may run at once. */
    public static final String CONCURRENT_PASSES_PROPERTY = "tersor.concurrentPasses";

    public Execution {
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(tensorKernels, "tensorKernels");
        Objects.requireNonNull(parallelism, "parallelism");
        if (concurrentPasses < 1) {
            throw new IllegalArgumentException("concurrent passes must be at least 1, not " + concurrentPasses);
        }
    }

    /** The given providers and threads, with the default bound on concurrent passes. */
    public Execution(Kernels kernels, TensorKernels tensorKernels, Parallelism parallelism) {
        this(kernels, tensorKernels, parallelism, defaultConcurrentPasses());
    }

    /** {@code kernels} for the weight products, the preferred tensor kernels for the rest. */
    public Execution(Kernels kernels, Parallelism parallelism) {
        this(kernels, TensorKernels.preferred(), parallelism);
    }

    public static Execution defaults() {
        return new Execution(Defaults.KERNELS, Defaults.TENSOR_KERNELS, Defaults.PARALLELISM, defaultConcurrentPasses());
    }

    /** The preferred kernels on {@code threads} threads. */
    public static Execution threads(int threads) {
        return new Execution(Kernels.preferred(), Parallelism.of(threads));
    }

    public Execution withKernels(Kernels other) {
        return new Execution(other, tensorKernels, parallelism, concurrentPasses);
    }

    public Execution withTensorKernels(TensorKernels other) {
        return new Execution(kernels, other, parallelism, concurrentPasses);
    }

    public Execution withThreads(int threads) {
        return new Execution(kernels, tensorKernels, Parallelism.of(threads), concurrentPasses);
    }

    /** The same, letting at most {@code passes} passes of a model run at once. */
    public Execution withConcurrentPasses(int passes) {
        return passes == concurrentPasses ? this : new Execution(kernels, tensorKernels, parallelism, passes);
    }

    /**
     * {@value #CONCURRENT_PASSES_PROPERTY}, or else {@code max(2, cores)}: more passes than cores only
     * add working memory, since they share the cores anyway. Read on each call, so that a bad value
     * fails the model load that uses it with a message rather than a class that cannot initialize.
     */
    public static int defaultConcurrentPasses() {
        String configured = System.getProperty(CONCURRENT_PASSES_PROPERTY);
        if (configured == null) {
            return Math.max(2, Runtime.getRuntime().availableProcessors());
        }
        try {
            int passes = Integer.parseInt(configured.strip());
            if (passes >= 1) {
                return passes;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new IllegalArgumentException("-D" + CONCURRENT_PASSES_PROPERTY + " must be a whole number of at least 1, not '"
                + configured + "'");
    }

    /** The providers chosen once at startup, and the default threads per pass. */
    private static final class Defaults {
        static final Kernels KERNELS = Kernels.preferred();
        static final TensorKernels TENSOR_KERNELS = TensorKernels.preferred();
        static final Parallelism PARALLELISM = Parallelism.of(Integer.getInteger(THREADS_PROPERTY, 1));
    }
}
