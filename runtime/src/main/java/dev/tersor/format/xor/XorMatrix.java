package dev.tersor.format.xor;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.ElementType;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.arrays.XorArrays;
import dev.tersor.kernels.xor.RiceMask;
import dev.tersor.kernels.xor.XorNetwork;
import dev.tersor.kernels.xor.XorRows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * XOR-gate encrypted matrix (Kwon et al.; methods brief §4, Decision 6). The entries that differ
 * from the implicit value (the most frequent one, 0 after pruning) are the care entries; their
 * codebook indices, {@code q = ⌈log2 K⌉} bits for K distinct care values, are split into q
 * bit-planes. Each plane of each row is cut into slices of {@code N_out} bits, and each slice is
 * stored as one {@code N_in}-bit word {@code w} with {@code M·w} equal to the slice on its care
 * bits, M being a fixed GF(2) network regenerated from a seed ({@link XorNetwork}). Care bits no
 * word can satisfy are patched. The pruning mask is stored apart, Rice-coded ({@link EncodedMask}).
 *
 * <p>Arrays: {@code omega} f32[1 + K] ({@code omega[0]} the implicit value, {@code omega[1 + i]}
 * the value of index i); {@code words} u64, the encrypted words as an LSB-first stream (order in
 * {@link XorRows}); {@code patchPtr[rows+1]} and {@code patches} (per row, ascending
 * {@code col·q + plane}); {@code mask} u32 and {@code maskRowBit[rows+1]}; optional
 * {@code rowScale[rows]} (Decision 10: with q = 1 and per-row scales this is the paper's binary
 * setting, {@code ±α_r}). Parameters: {@code wordBits} (N_in), {@code sliceBits} (N_out),
 * {@code riceBits} (the mask's Rice parameter), {@code seed} and {@code networkCheck}, a digest of
 * M that catches a wrong seed or a changed generator.
 *
 * <p>Defaults, from measurement (see {@code docs/ARCHITECTURE.md}): {@code N_out = 64}, the widest
 * slice a {@code long} holds, since wider slices concentrate the number of care bits per slice
 * around its mean and so need fewer spare word bits; and {@code N_in} chosen per matrix by encoding
 * a sample of up to 4096 slices with every width from 1 to 32 and keeping the one whose words,
 * patches and patch pointers, extrapolated to the whole matrix, take the fewest bits.
 */
public final class XorMatrix extends AbstractWeightMatrix {

    public static final String NAME = "xor";
    /** Default slice width N_out. */
    public static final int DEFAULT_SLICE_BITS = 64;
    /** Default seed of the network. */
    public static final long DEFAULT_SEED = 0x5EED_C0DE_2020L;
    /** Slices sampled to choose N_in. */
    static final int SAMPLE_SLICES = 4096;
    /** Widest supported index: 24 planes. */
    public static final int MAX_PLANES = 24;

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
            return new Parameters(0, DEFAULT_SLICE_BITS, DEFAULT_SEED);
        }
    }

    private final int planes;
    private final int wordBits;
    private final int sliceBits;
    private final long seed;
    private final long networkCheck;
    private final MemorySegment decodeTable;
    private final MemorySegment words;
    private final MemorySegment omega;
    private final IndexArray patchPtr;
    private final IndexArray patches;
    private final EncodedMask mask;
    private final MemorySegment rowScale;
    private final long careEntries;

    private XorMatrix(int rows, int cols, int planes, int wordBits, int sliceBits, long seed, long networkCheck,
                      long[] table, MemorySegment words, MemorySegment omega, IndexArray patchPtr, IndexArray patches,
                      EncodedMask mask, MemorySegment rowScale, long careEntries, Arena owner) {
        MemorySegment decodeTable = Arena.ofAuto().allocate(8L * table.length, 8);
        MemorySegment.copy(table, 0, decodeTable, Layouts.I64, 0, table.length);
        super(new XorArrays(rows, cols, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr, patches,
                mask.words, mask.rowBit, mask.riceBits, rowScale), owner);
        this.planes = planes;
        this.wordBits = wordBits;
        this.sliceBits = sliceBits;
        this.seed = seed;
        this.networkCheck = networkCheck;
        this.decodeTable = decodeTable;
        this.words = words;
        this.omega = omega;
        this.patchPtr = patchPtr;
        this.patches = patches;
        this.mask = mask;
        this.rowScale = rowScale;
        this.careEntries = careEntries;
    }

    /** Planes needed for {@code k} distinct care values. */
    static int planesFor(long k) {
        return k <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(k - 1);
    }

    /** Whether {@code source} fits: at most 2^24 distinct care values. */
    public static boolean accepts(QuantizedMatrix source) {
        return planesFor(Math.max(0, distinctUsed(source) - 1)) <= MAX_PLANES;
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
        if (e.planes > MAX_PLANES) {
            throw new IllegalArgumentException(e.values.length + " distinct care values need " + e.planes
                    + " bit-planes, more than " + MAX_PLANES);
        }
        int sliceBits = parameters.sliceBits();
        int wordBits = parameters.wordBits() > 0 ? parameters.wordBits()
                : e.planes == 0 ? 1 : e.chooseWordBits(sliceBits, parameters.seed());
        XorNetwork.checkShape(wordBits, sliceBits);
        long[] columns = XorNetwork.columns(parameters.seed(), wordBits, sliceBits);
        Arena arena = Arena.ofShared();
        try {
            return e.encode(arena, wordBits, sliceBits, parameters.seed(), columns);
        } catch (RuntimeException | Error ex) {
            arena.close();
            throw ex;
        }
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
            this.planes = planesFor(k);
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
            MemorySegment rowScale = MemorySegment.NULL;
            if (source.hasRowScales()) {
                rowScale = OffHeap.floats(arena, rows);
                for (int r = 0; r < rows; r++) {
                    rowScale.setAtIndex(Layouts.F32, r, source.rowScale(r));
                }
            }
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

    /**
     * A matrix over an untrusted layout. Checks the parameters (N_in ≤ min(32, N_out) ≤ 64, Rice
     * parameter ≤ 30), that the seed regenerates the network the check value describes, that
     * {@code words} holds exactly the bits the shape and {@code omega} call for, the offsets of
     * the mask and the patches (narrowest widths, from 0, never decreasing, ending at their array's
     * end), every patch in range, ascending within its row and on a care entry, every row's mask
     * ending exactly at the next row's offset with columns below {@code cols}, and every care entry
     * decoding to an index inside {@code omega}.
     */
    public static XorMatrix fromLayout(Layout layout, Arena owner) {
        layout.requireFormat(NAME);
        int rows = layout.rows();
        int cols = layout.cols();
        int wordBits = smallParam(layout, "wordBits");
        int sliceBits = smallParam(layout, "sliceBits");
        int riceBits = smallParam(layout, "riceBits");
        long seed = layout.param("seed");
        long check = layout.param("networkCheck");
        try {
            XorNetwork.checkShape(wordBits, sliceBits);
        } catch (IllegalArgumentException e) {
            throw new InvalidLayoutException(NAME + ": " + e.getMessage());
        }
        if (riceBits > RiceMask.MAX_RICE_BITS) {
            throw new InvalidLayoutException(NAME + ": riceBits = " + riceBits + ", beyond " + RiceMask.MAX_RICE_BITS);
        }
        long[] columns = XorNetwork.columns(seed, wordBits, sliceBits);
        if (XorNetwork.check(columns, sliceBits) != check) {
            throw new InvalidLayoutException(NAME + ": seed " + seed + " does not regenerate the " + sliceBits + "x"
                    + wordBits + " network the layout was encoded with (networkCheck mismatch)");
        }
        MemorySegment omega = layout.f32("omega");
        long careValues = omega.byteSize() / 4 - 1;
        if (careValues < 0) {
            throw new InvalidLayoutException(NAME + ": omega is empty; it must hold at least the implicit value");
        }
        int planes = planesFor(careValues);
        if (planes > MAX_PLANES) {
            throw new InvalidLayoutException(NAME + ": " + careValues + " care values need more than " + MAX_PLANES
                    + " planes");
        }
        LayoutArray wordArray = layout.array("words");
        if (wordArray.type() != ElementType.U64 || wordArray.byteSize() % 8 != 0) {
            throw new InvalidLayoutException(NAME + ": words must be whole u64 elements, got " + wordArray.byteSize()
                    + " bytes of " + wordArray.type());
        }
        long slices = ((long) cols + sliceBits - 1) / sliceBits;
        long wordLongs = ((long) rows * planes * slices * wordBits + 63) / 64;
        if (wordArray.byteSize() != 8 * wordLongs) {
            throw new InvalidLayoutException(NAME + ": words holds " + wordArray.byteSize() / 8 + " u64, but " + rows + "x"
                    + cols + " with " + planes + " planes of " + slices + " slices of " + wordBits + " bits needs "
                    + wordLongs + " (shape mismatch)");
        }

        LayoutArray maskArray = layout.array("mask");
        if (maskArray.type() != ElementType.U32 || maskArray.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(NAME + ": mask must be whole u32 words, got " + maskArray.byteSize()
                    + " bytes of " + maskArray.type());
        }
        LayoutArray maskRowArray = layout.array("maskRowBit");
        if (!maskRowArray.type().isIndex()) {
            throw new InvalidLayoutException(NAME + ": maskRowBit must be an unsigned index array");
        }
        layout.requireLength("maskRowBit", maskRowArray, rows + 1L);
        IndexArray maskRowBit = new IndexArray(maskRowArray.data(), maskRowArray.type().indexWidth());
        long maskBits = Integer.toUnsignedLong(maskRowBit.get(rows));
        long longestRow = checkPointers("maskRowBit", maskRowBit, rows, maskBits, 8 * maskArray.byteSize());
        if (maskArray.byteSize() / 4 != (maskBits + 31) / 32) {
            throw new InvalidLayoutException(NAME + ": mask has " + maskArray.byteSize() / 4 + " words but its codes end at bit "
                    + maskBits);
        }
        if (maskRowBit.width() != IndexWidth.forMaxValue(maskBits)) {
            throw new InvalidLayoutException(NAME + ": maskRowBit is " + maskRowArray.type() + " but offsets up to "
                    + maskBits + " need exactly " + IndexWidth.forMaxValue(maskBits));
        }

        LayoutArray patchArray = layout.array("patches");
        long patchCount = patchArray.length();
        IndexArray patches = layout.indices("patches", Math.max(0, (long) planes * cols - 1));
        IndexArray patchPtr = layout.indices("patchPtr", patchCount);
        layout.requireLength("patchPtr", layout.array("patchPtr"), rows + 1L);
        checkPointers("patchPtr", patchPtr, rows, patchCount, patchCount);
        if (planes == 0 && patchCount > 0) {
            throw new InvalidLayoutException(NAME + ": " + patchCount + " patches but no bit-planes to patch");
        }
        MemorySegment rowScale = layout.has("rowScale") ? layout.f32("rowScale", rows) : MemorySegment.NULL;

        EncodedMask mask = EncodedMask.of(maskArray.data(), maskRowBit, riceBits);
        long[] table = XorNetwork.decodeTable(columns);
        long care = checkRows(rows, cols, planes, wordBits, sliceBits, table, wordArray.data(), patchPtr, patches, mask,
                longestRow, careValues);
        return new XorMatrix(rows, cols, planes, wordBits, sliceBits, seed, check, table, wordArray.data(), omega,
                patchPtr, patches, mask, rowScale, care, owner);
    }

    /** Decodes every row as the kernels will, checking masks, patches and indices; returns the care entries. */
    private static long checkRows(int rows, int cols, int planes, int wordBits, int sliceBits, long[] table,
                                  MemorySegment words, IndexArray patchPtr, IndexArray patches, EncodedMask mask,
                                  long longestRow, long careValues) {
        // a row has at most one care column per mask bit, so the buffers are bounded by the data, not the shape
        int capacity = (int) Math.min(cols, longestRow);
        int[] columns = new int[capacity];
        int[] indices = new int[capacity];
        long[] planeBits = new long[Math.max(1, planes)];
        long care = 0;
        long planeCols = (long) planes * cols;
        for (int r = 0; r < rows; r++) {
            long start = Integer.toUnsignedLong(mask.rowBit.get(r));
            long end = Integer.toUnsignedLong(mask.rowBit.get(r + 1));
            int m = RiceMask.columns(mask.words, start, end, mask.riceBits, cols, columns);
            if (m < 0) {
                throw new InvalidLayoutException(NAME + ": the mask of row " + r + " is malformed (a code runs past the row's"
                        + " end or reaches column " + cols + ")");
            }
            care += m;
            int p0 = patchPtr.get(r);
            int p1 = patchPtr.get(r + 1);
            long previous = -1;
            int at = 0;
            for (int p = p0; p < p1; p++) {
                long entry = Integer.toUnsignedLong(patches.get(p));
                if (entry >= planeCols) {
                    throw new InvalidLayoutException(NAME + ": patches[" + p + "] = " + entry + " is out of range (planes × cols = "
                            + planeCols + ")");
                }
                if (entry <= previous) {
                    throw new InvalidLayoutException(NAME + ": patches[" + p + "] = " + entry + " does not ascend in row " + r);
                }
                previous = entry;
                long col = entry / planes;
                while (at < m && columns[at] < col) {
                    at++;
                }
                if (at == m || columns[at] != col) {
                    throw new InvalidLayoutException(NAME + ": patches[" + p + "] patches column " + col + " of row " + r
                            + ", which the mask prunes");
                }
            }
            if (planes > 0) {
                XorRows.decode(r, cols, planes, wordBits, sliceBits, table, words, patchPtr, patches, mask.words,
                        mask.rowBit, mask.riceBits, columns, indices, planeBits);
                for (int i = 0; i < m; i++) {
                    if (indices[i] >= careValues) {
                        throw new InvalidLayoutException(NAME + ": row " + r + ", column " + columns[i] + " decodes to index "
                                + indices[i] + ", outside omega's " + careValues + " care values");
                    }
                }
            }
        }
        return care;
    }

    /** Bits per weight of everything but the pruning mask: words, patches, values, header (the paper's figure). */
    public double bitsPerWeightNoMask() {
        ensureOpen();
        long weights = (long) rows() * cols();
        return weights == 0 ? 0 : 8.0 * (byteSize() - mask.byteSize()) / weights;
    }

    /** Bits per weight of the pruning mask alone. */
    public double maskBitsPerWeight() {
        ensureOpen();
        long weights = (long) rows() * cols();
        return weights == 0 ? 0 : 8.0 * mask.byteSize() / weights;
    }

    /** Patched care bits over all care bits (care entries × planes). */
    public double patchRate() {
        ensureOpen();
        long careBits = careEntries * planes;
        return careBits == 0 ? 0 : (double) patches.length() / careBits;
    }

    /** N_in, the encrypted word width. */
    public int wordBits() {
        return wordBits;
    }

    /** N_out, the slice width. */
    public int sliceBits() {
        return sliceBits;
    }

    /** q, the number of bit-planes. */
    public int planes() {
        return planes;
    }

    @Override
    public Map<String, Double> details() {
        Map<String, Double> details = new LinkedHashMap<>();
        details.put("bitsPerWeightNoMask", bitsPerWeightNoMask());
        details.put("maskBitsPerWeight", maskBitsPerWeight());
        details.put("patchRate", patchRate());
        details.put("planes", (double) planes);
        details.put("wordBits", (double) wordBits);
        details.put("sliceBits", (double) sliceBits);
        details.put("riceBits", (double) mask.riceBits);
        return details;
    }

    @Override
    public String formatName() {
        return NAME;
    }

    @Override
    protected long workBefore(int row) {
        int slices = (cols() + sliceBits - 1) / sliceBits;
        return Integer.toUnsignedLong(mask.rowBit.get(row)) + (long) row * planes * slices;
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        int cols = cols();
        boolean scaled = rowScale.byteSize() != 0;
        float scale = scaled ? rowScale.getAtIndex(Layouts.F32, row) : 1f;
        float implicit = omega.getAtIndex(Layouts.F32, 0);
        int implicitBits = Float.floatToRawIntBits(scaled ? implicit * scale : implicit);
        for (int c = 0; c < cols; c++) {
            dst.setAtIndex(Layouts.I32, c, implicitBits);
        }
        int[] columns = Scratch.columns(cols);
        int[] indices = Scratch.symbols(cols);
        int m = XorRows.decode(row, cols, planes, wordBits, sliceBits, XorNetwork.load(decodeTable), words, patchPtr,
                patches, mask.words, mask.rowBit, mask.riceBits, columns, indices, new long[Math.max(1, planes)]);
        for (int i = 0; i < m; i++) {
            int bits = omega.getAtIndex(Layouts.I32, 1 + indices[i]);
            if (scaled) {
                dst.setAtIndex(Layouts.F32, columns[i], Float.intBitsToFloat(bits) * scale);
            } else {
                dst.setAtIndex(Layouts.I32, columns[i], bits);
            }
        }
    }

    @Override
    protected Layout layoutK() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        arrays.put("omega", LayoutArray.f32(omega));
        arrays.put("words", new LayoutArray(ElementType.U64, words));
        arrays.put("patchPtr", LayoutArray.of(patchPtr));
        arrays.put("patches", LayoutArray.of(patches));
        arrays.put("mask", new LayoutArray(ElementType.U32, mask.words));
        arrays.put("maskRowBit", LayoutArray.of(mask.rowBit));
        if (rowScale.byteSize() != 0) {
            arrays.put("rowScale", LayoutArray.f32(rowScale));
        }
        Map<String, Long> params = new LinkedHashMap<>();
        params.put("wordBits", (long) wordBits);
        params.put("sliceBits", (long) sliceBits);
        params.put("riceBits", (long) mask.riceBits);
        params.put("seed", seed);
        params.put("networkCheck", networkCheck);
        return new Layout(NAME, rows(), cols(), params, arrays);
    }

    private static int smallParam(Layout layout, String name) {
        long value = layout.param(name);
        if (value < 0 || value > 64) {
            throw new InvalidLayoutException(NAME + ": parameter " + name + " = " + value + " is out of range");
        }
        return (int) value;
    }

    /** Offsets from 0, never decreasing, ending at {@code end} ≤ {@code capacity}; returns the longest step. */
    private static long checkPointers(String name, IndexArray pointers, int count, long end, long capacity) {
        if (pointers.get(0) != 0) {
            throw new InvalidLayoutException(NAME + ": " + name + "[0] = " + Integer.toUnsignedLong(pointers.get(0))
                    + ", must be 0");
        }
        long previous = 0;
        long longest = 0;
        for (int i = 1; i <= count; i++) {
            long value = Integer.toUnsignedLong(pointers.get(i));
            if (value > capacity) {
                throw new InvalidLayoutException(NAME + ": " + name + "[" + i + "] = " + value
                        + " points past the end (" + capacity + ")");
            }
            if (value < previous) {
                throw new InvalidLayoutException(NAME + ": " + name + "[" + i + "] = " + value + " < " + name + "[" + (i - 1)
                        + "] = " + previous + " (offsets must not decrease)");
            }
            longest = Math.max(longest, value - previous);
            previous = value;
        }
        if (previous != end) {
            throw new InvalidLayoutException(NAME + ": " + name + "[" + count + "] = " + previous + ", expected " + end);
        }
        return longest;
    }
}
