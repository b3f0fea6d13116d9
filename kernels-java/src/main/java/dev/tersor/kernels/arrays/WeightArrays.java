package dev.tersor.kernels.arrays;

/**
 * The arrays of one weight matrix in one format, as the kernels read them: the unit of the kernel
 * API. A format's matrix builds its record once, after its validator has accepted the layout; the
 * record's constructor runs the constant-time checks a kernel relies on (segment sizes, the end
 * entry of each pointer array), so a product checks only what changes per call.
 *
 * <p>Sealed, so that every provider dispatches with one exhaustive {@code switch}: a new format is a
 * new record here plus one case in {@link dev.tersor.kernels.ScalarKernels}; faster providers
 * inherit that case until they override it. The records live in one package because a sealed
 * type outside a named module may only permit subtypes of its own package.
 */
public sealed interface WeightArrays
        permits DenseArrays, CsrArrays, GroupedArrays, HamArrays, ShamArrays, XorArrays, BitpackArrays,
        Q8Arrays {

    /** Rows of the matrix. */
    int rows();

    /** Columns of the matrix. */
    int cols();

    /** Whether any array lives on the Java heap; native code then needs a critical downcall. */
    boolean onHeap();
}
