package dev.tersor.bench.suite;

import dev.tersor.format.MatrixFormats;
import dev.tersor.kernels.Kernels;

import java.util.List;

/**
 * What a plan is built from: the formats registered and the kernel providers that run in this JVM.
 * Read from {@link MatrixFormats#all()} and {@link Kernels#available()}, so formats and providers
 * join the suites as soon as they are on the class path.
 */
public record Environment(List<String> formats, List<String> providers) {

    public Environment {
        formats = List.copyOf(formats);
        providers = List.copyOf(providers);
    }

    public static Environment current() {
        return new Environment(MatrixFormats.names(), Kernels.available().stream().map(Kernels::name).toList());
    }

    /** The provider Tersor picks by default: the last of {@link #providers}, which lists them slowest first. */
    public String preferredProvider() {
        return providers.getLast();
    }

    /** The providers without the scalar reference, unless it is the only one. */
    public List<String> fastProviders() {
        List<String> fast = providers.stream().filter(p -> !"scalar".equals(p)).toList();
        return fast.isEmpty() ? providers : fast;
    }
}
