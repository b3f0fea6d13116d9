package dev.tersor.compress.prune;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.kernels.Layouts;

import java.util.ArrayList;
import java.util.List;

/**
 * Magnitude pruning: the entries of smallest absolute value become exact zeros.
 *
 * <p>Unlike a percentile threshold ({@code |w| > percentile(|w|, p)}, methods.md §2.6), which prunes
 * every entry tied with the threshold, this prunes exactly {@code round(sparsity · n)} entries. Ties
 * in magnitude are broken by position: row-major order within a matrix, and list order across the
 * matrices of a global pruning, so the result is deterministic. Entries that are already zero have
 * the smallest magnitude and count towards the target; if a matrix holds more zeros than the target,
 * it stays sparser than asked.
 *
 * <p>The selection is a two-pass radix select over the magnitudes' float bits (which order
 * non-negative floats), so it needs no sort and no memory proportional to the matrix.
 */
public final class MagnitudePruning {

    private static final int BUCKETS = 1 << 16;

    private MagnitudePruning() {
    }

    /** Prunes {@code round(sparsity · rows · cols)} entries of {@code weights}. */
    public static PruningMask perLayer(DenseMatrixView weights, double sparsity) {
        return global(List.of(weights), sparsity).getFirst();
    }

    /**
     * Prunes {@code round(sparsity · N)} entries over all matrices together, N being their total
     * size: one magnitude threshold shared by every matrix.
     */
    public static List<PruningMask> global(List<DenseMatrixView> matrices, double sparsity) {
        if (!(sparsity >= 0 && sparsity <= 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1], got " + sparsity);
        }
        long total = 0;
        for (DenseMatrixView m : matrices) {
            PruningMask.checkShape(m.rows(), m.cols());
            total += m.size();
        }
        for (DenseMatrixView m : matrices) {
            checkFinite(m);
        }
        long target = Math.round(sparsity * total);

        // Pass 1: the high 16 bits of the threshold magnitude; pass 2: the low 16 bits.
        long[] high = new long[BUCKETS];
        for (DenseMatrixView m : matrices) {
            for (long i = 0, n = m.size(); i < n; i++) {
                high[magnitudeBits(m, i) >>> 16]++;
            }
        }
        Split h = split(high, target);
        long[] low = new long[BUCKETS];
        for (DenseMatrixView m : matrices) {
            for (long i = 0, n = m.size(); i < n; i++) {
                int bits = magnitudeBits(m, i);
                if (bits >>> 16 == h.bucket) {
                    low[bits & 0xFFFF]++;
                }
            }
        }
        Split l = split(low, target - h.below);
        int threshold = (h.bucket << 16) | l.bucket;
        long tiesToPrune = target - h.below - l.below;

        List<PruningMask> masks = new ArrayList<>(matrices.size());
        for (DenseMatrixView m : matrices) {
            long[] pruned = new long[PruningMask.words(m.size())];
            for (long i = 0, n = m.size(); i < n; i++) {
                int bits = magnitudeBits(m, i);
                if (bits < threshold || (bits == threshold && tiesToPrune > 0)) {
                    if (bits == threshold) {
                        tiesToPrune--;
                    }
                    pruned[(int) (i >>> 6)] |= 1L << i;
                }
            }
            masks.add(new PruningMask(m.rows(), m.cols(), pruned));
        }
        return List.copyOf(masks);
    }

    /** The bucket holding the {@code target}-th smallest entry and the count of entries below it. */
    private record Split(int bucket, long below) {
    }

    private static Split split(long[] histogram, long target) {
        long below = 0;
        for (int b = 0; b < histogram.length; b++) {
            if (below + histogram[b] >= target && histogram[b] > 0) {
                return new Split(b, below);
            }
            below += histogram[b];
        }
        // target is 0 and the histogram empty: nothing is pruned, any bucket works.
        return new Split(0, below);
    }

    private static int magnitudeBits(DenseMatrixView m, long index) {
        return m.data().getAtIndex(Layouts.I32, index) & 0x7FFF_FFFF;
    }

    private static void checkFinite(DenseMatrixView m) {
        for (long i = 0, n = m.size(); i < n; i++) {
            if ((m.data().getAtIndex(Layouts.I32, i) & 0x7F80_0000) == 0x7F80_0000) {
                throw new IllegalArgumentException("weight " + m.data().getAtIndex(Layouts.F32, i) + " at ("
                        + i / m.cols() + ", " + i % m.cols() + ") is not finite");
            }
        }
    }
}
