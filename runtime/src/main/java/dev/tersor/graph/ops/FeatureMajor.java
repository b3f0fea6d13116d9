package dev.tersor.graph.ops;

import java.lang.foreign.MemorySegment;

/**
 * The layout of an activation that the graph keeps feature-major between two Linear layers
 * ({@code input_transposed}, {@code output_transposed}): the tokens in blocks of {@link #BLOCK},
 * each block {@code [features][n]} with its n tokens innermost, the blocks one after another. A
 * block is exactly what one weight product takes or gives (methods.md Decision 2), and blocks bound
 * that product's stride: with all of a large batch's tokens in one row, every feature sits a whole
 * row apart (16 KB at 32 × 128 tokens), so the kernels' loads of consecutive features fell into the
 * same few cache sets (fp32 MiniLM's weight products ran at 78 GMAC/s at 4,096 tokens against
 * 102 at 160, on an AMD EPYC).
 */
public final class FeatureMajor {

    /** Most tokens in one block. */
    public static final int BLOCK = 128;

    private FeatureMajor() {
    }

    /** What {@link #forEachBlock} hands each block of a feature-major activation. */
    @FunctionalInterface
    public interface BlockConsumer {
        void accept(MemorySegment block, int tokens);
    }

    /** Hands every block of {@code activation}, {@code tokens} vectors of {@code features} floats, to {@code consumer} in order. */
    public static void forEachBlock(MemorySegment activation, int features, int tokens, BlockConsumer consumer) {
        for (int first = 0; first < tokens; first += BLOCK) {
            int n = Math.min(BLOCK, tokens - first);
            consumer.accept(activation.asSlice(4L * first * features, 4L * n * features), n);
        }
    }
}
