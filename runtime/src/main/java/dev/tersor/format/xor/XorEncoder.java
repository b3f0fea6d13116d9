package dev.tersor.format.xor;

import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.xor.XorNetwork;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Encodes a quantized matrix as an {@link XorMatrix}: splits the care entries' indices into
 * bit-planes, solves every slice of every plane for its word ({@link SliceSolver}), records the
 * patches, and Rice-codes the pruning mask. N_in, unless forced, is chosen by encoding a sample of
 * up to {@value #SAMPLE_SLICES} slices with every width (see {@link XorMatrix}).
 */
public final class XorEncoder {

    /** Slices sampled to choose N_in. */
    static final int SAMPLE_SLICES = 4096;

    /**
     * Encoder settings.
     *
     * @param wordBits  N_in, or 0 to choose it by measurement
     * @param sliceBits N_out
     * @param seed      seed of the network M
     */
    public record Parameters(int wordBits, int sliceBits, long seed) {

        /** Measured N_in, N_out = 64, the default seed. */
        public static Parameters defaults() {
            return new Parameters(0, XorMatrix.DEFAULT_SLICE_BITS, XorMatrix.DEFAULT_SEED);
        }
    }

    private XorEncoder() {
    }

    /** Whether {@code source} fits: at most 2^24 distinct care values. */
    public static boolean accepts(QuantizedMatrix source) {
        return XorMatrix.planesFor(Math.max(0, distinctUsed(source) - 1)) <= XorMatrix.MAX_PLANES;
    }

    private static long distinctUsed(QuantizedMatrix source) {
        long used = 0;
        for (long count : source.codeCounts()) {
            used += count > 0 ? 1 : 0;
        }
        return used;
    }

    /** Encodes {@code source} losslessly with the default parameters. */
    public static XorMatrix encode(QuantizedMatrix source) {
        return encode(source, Parameters.defaults());
    }

    /** Encodes {@code source} losslessly. */
    public static XorMatrix encode(QuantizedMatrix source, Parameters parameters) {
        Encoding e = new Encoding(source);
        if (e.planes > XorMatrix.MAX_PLANES) {
            throw new IllegalArgumentException(e.values.length + " distinct care values need " + e.planes
                    + " bit-planes, more than " + XorMatrix.MAX_PLANES);
        }
        int sliceBits = parameters.sliceBits();
        int wordBits = parameters.wordBits() > 0 ? parameters.wordBits()
                : e.planes == 0 ? 1 : e.chooseWordBits(sliceBits, parameters.seed());
        XorNetwork.checkShape(wordBits, sliceBits);
        long[] columns = XorNetwork.columns(parameters.seed(), wordBits, sliceBits);
        return OffHeap.owned(arena -> e.encode(arena, wordBits, sliceBits, parameters.seed(), columns));
    }

    /** The source seen as care entries and their indices. */
    private static final class Encoding {
        final QuantizedMatrix source;
        final int rows;
        final int cols;
        final int implicitCode;
        final float implicit;
        final int[] indexOf;
        final float[] values;
        final int planes;

        Encoding(QuantizedMatrix source) {
            this.source = source;
            this.rows = source.rows();
            this.cols = source.cols();
            long[] counts = source.codeCounts();
            int[] order = source.codesByFrequency();
            this.implicitCode = source.codebookSize() == 0 ? -1 : order[0];
            this.implicit = implicitCode < 0 ? 0f : source.codebookValue(implicitCode);
            this.indexOf = new int[Math.max(1, source.codebookSize())];
            Arrays.fill(indexOf, -1);
            float[] care = new float[order.length];
            int k = 0;
            for (int code : order) {
                if (code != implicitCode && code < counts.length && counts[code] > 0) {
                    indexOf[code] = k;
                    care[k++] = source.codebookValue(code);
                }
            }
            this.values = Arrays.copyOf(care, k);
            this.planes = XorMatrix.planesFor(k);
        }

        int slices(int sliceBits) {
            return (cols + sliceBits - 1) / sliceBits;
        }

        /** Care mask of slice s of row r, and the target bits of each plane into {@code targets}. */
        long slice(int r, int s, int sliceBits, long[] targets) {
            Arrays.fill(targets, 0, planes, 0L);
            int c0 = s * sliceBits;
            int n = Math.min(sliceBits, cols - c0);
            long care = 0;
            for (int j = 0; j < n; j++) {
                int code = source.code(r, c0 + j);
                if (code != implicitCode) {
                    care |= 1L << j;
                    int index = indexOf[code];
                    for (int p = 0; p < planes; p++) {
                        targets[p] |= (long) (index >>> p & 1) << j;
                    }
                }
            }
            return care;
        }

        int patchEntryBits() {
            return IndexWidth.forMaxValue(Math.max(0, (long) planes * cols - 1)).bits();
        }

        /**
         * N_in with the fewest bits for the whole matrix, extrapolated from a sample of plane-0
         * slices: the words, the patch entries, and the patch pointers, whose width depends on how
         * many patches there are.
         */
        int chooseWordBits(int sliceBits, long seed) {
            int slices = slices(sliceBits);
            long total = (long) rows * slices;
            if (total == 0) {
                return 1;
            }
            long stride = Math.max(1, total / SAMPLE_SLICES);
            int samples = (int) ((total + stride - 1) / stride);
            long[] cares = new long[samples];
            long[] targets = new long[samples];
            long[] planeTargets = new long[planes];
            for (int i = 0; i < samples; i++) {
                long t = i * stride;
                cares[i] = slice((int) (t / slices), (int) (t % slices), sliceBits, planeTargets);
                targets[i] = planeTargets[0];
            }
            double scale = (double) total * planes / samples;
            int patchBits = patchEntryBits();
            int best = 1;
            double bestBits = Double.POSITIVE_INFINITY;
            for (int wordBits = 1; wordBits <= Math.min(XorNetwork.MAX_WORD_BITS, sliceBits); wordBits++) {
                SliceSolver solver = new SliceSolver(XorNetwork.columns(seed, wordBits, sliceBits), sliceBits);
                long patchCount = 0;
                for (int i = 0; i < samples; i++) {
                    solver.solve(cares[i], targets[i]);
                    patchCount += Long.bitCount(solver.patches());
                }
                double patches = patchCount * scale;
                double bits = wordBits * (double) total * planes + patches * patchBits
                        + (rows + 1.0) * IndexWidth.forMaxValue(Math.min((long) patches, IndexWidth.U32.maxValue())).bits();
                if (bits < bestBits) {
                    bestBits = bits;
                    best = wordBits;
                }
            }
            return best;
        }

        XorMatrix encode(Arena arena, int wordBits, int sliceBits, long seed, long[] columns) {
            int slices = slices(sliceBits);
            long totalBits = Math.multiplyExact((long) rows * planes * slices, (long) wordBits);
            long longs = (totalBits + 63) / 64;
            if (longs > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("the encrypted words need " + totalBits + " bits, too many for one array");
            }
            long[] packed = new long[(int) longs];
            SliceSolver solver = new SliceSolver(columns, sliceBits);
            long[] targets = new long[Math.max(1, planes)];
            int[] rowPatches = new int[16];
            int[] allPatches = new int[16];
            long patchCount = 0;
            long careEntries = 0;
            long[] patchStarts = new long[rows + 1];
            for (int r = 0; r < rows; r++) {
                patchStarts[r] = patchCount;
                int rowCount = 0;
                for (int s = 0; s < slices; s++) {
                    long care = slice(r, s, sliceBits, targets);
                    careEntries += Long.bitCount(care);
                    for (int p = 0; p < planes; p++) {
                        long word = solver.solve(care, targets[p]);
                        put(packed, ((long) r * planes * slices + (long) p * slices + s) * wordBits, word, wordBits);
                        for (long flips = solver.patches(); flips != 0; flips &= flips - 1) {
                            int col = s * sliceBits + Long.numberOfTrailingZeros(flips);
                            if (rowCount == rowPatches.length) {
                                rowPatches = Arrays.copyOf(rowPatches, 2 * rowCount);
                            }
                            rowPatches[rowCount++] = col * planes + p;
                        }
                    }
                }
                Arrays.sort(rowPatches, 0, rowCount);
                if (patchCount + rowCount > allPatches.length) {
                    allPatches = Arrays.copyOf(allPatches, (int) Math.max(patchCount + rowCount, 2L * allPatches.length));
                }
                System.arraycopy(rowPatches, 0, allPatches, (int) patchCount, rowCount);
                patchCount += rowCount;
            }
            patchStarts[rows] = patchCount;

            MemorySegment words = OffHeap.bytes(arena, 8 * longs);
            MemorySegment.copy(packed, 0, words, Layouts.I64, 0, (int) longs);
            MemorySegment omega = OffHeap.floats(arena, 1L + values.length);
            omega.setAtIndex(Layouts.F32, 0, implicit);
            for (int i = 0; i < values.length; i++) {
                omega.setAtIndex(Layouts.F32, 1 + i, values[i]);
            }
            IndexArray patchPtr = OffHeap.indices(arena, rows + 1L, patchCount);
            for (int r = 0; r <= rows; r++) {
                patchPtr.width().set(patchPtr.segment(), r, (int) patchStarts[r]);
            }
            IndexArray patches = OffHeap.indices(arena, patchCount, Math.max(0, (long) planes * cols - 1));
            for (int i = 0; i < patchCount; i++) {
                patches.width().set(patches.segment(), i, allPatches[i]);
            }
            EncodedMask mask = EncodedMask.encode(arena, rows, cols, (r, out) -> {
                int m = 0;
                for (int c = 0; c < cols; c++) {
                    if (source.code(r, c) != implicitCode) {
                        out[m++] = c;
                    }
                }
                return m;
            });
            MemorySegment rowScale = OffHeap.rowScales(arena, source);
            return new XorMatrix(rows, cols, planes, wordBits, sliceBits, seed, XorNetwork.check(columns, sliceBits),
                    XorNetwork.decodeTable(columns), words, omega, patchPtr, patches, mask, rowScale, careEntries, arena);
        }
    }

    /** Writes the low {@code bits} bits of {@code word} at bit {@code offset} of an LSB-first stream. */
    private static void put(long[] packed, long offset, long word, int bits) {
        int index = (int) (offset >>> 6);
        int shift = (int) (offset & 63);
        packed[index] |= word << shift;
        if (shift + bits > 64) {
            packed[index + 1] |= word >>> (64 - shift);
        }
    }
}
