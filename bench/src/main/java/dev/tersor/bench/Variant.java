package dev.tersor.bench;

import java.util.Objects;

/**
 * What a benchmark trial multiplies with: a Tersor format on one kernel provider
 * ({@code "cser/vector"}), or the OpenBLAS baseline ({@code "openblas"}). One JMH parameter holds
 * both, so the baseline's trials sit next to the formats' in the run order.
 *
 * @param format   a {@link dev.tersor.format.MatrixFormats} name, or {@link #OPENBLAS}
 * @param provider a {@link dev.tersor.kernels.Kernels} name; {@code null} for OpenBLAS
 */
public record Variant(String format, String provider) {

    public static final String OPENBLAS = "openblas";

    public Variant {
        Objects.requireNonNull(format, "format");
        if (OPENBLAS.equals(format) != (provider == null)) {
            throw new IllegalArgumentException("OpenBLAS has no kernel provider, every format has one: "
                    + format + "/" + provider);
        }
    }

    public static Variant openBlas() {
        return new Variant(OPENBLAS, null);
    }

    public static Variant of(String format, String provider) {
        return new Variant(format, Objects.requireNonNull(provider, "provider"));
    }

    /** Parses {@link #id()}. */
    public static Variant parse(String id) {
        if (OPENBLAS.equals(id)) {
            return openBlas();
        }
        int slash = id.indexOf('/');
        if (slash <= 0 || slash == id.length() - 1 || id.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("a variant is 'format/provider' or 'openblas', got '" + id + "'");
        }
        return of(id.substring(0, slash), id.substring(slash + 1));
    }

    public boolean isOpenBlas() {
        return provider == null;
    }

    /** {@code format/provider}, or {@code openblas}. */
    public String id() {
        return isOpenBlas() ? OPENBLAS : format + "/" + provider;
    }

    @Override
    public String toString() {
        return id();
    }
}
