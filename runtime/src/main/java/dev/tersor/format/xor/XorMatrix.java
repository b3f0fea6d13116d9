package dev.tersor.format.xor;

import dev.tersor.format.AbstractWeightMatrix;
import dev.tersor.format.DecodedRowWriter;
import dev.tersor.format.ElementType;
import dev.tersor.format.EnergyClass;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import dev.tersor.kernels.arrays.XorArrays;
import dev.tersor.kernels.xor.XorNetwork;
import dev.tersor.kernels.xor.XorRows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 *
 * <p>This class is the runtime matrix; {@link XorEncoder} builds it and {@code XorLayout} validates
 * a stored layout, as {@code GroupedRows} and {@code CodedRows} do for the other formats.
 */
public final class XorMatrix extends AbstractWeightMatrix {

    public static final String NAME = "xor";
    /** Default slice width N_out. */
    public static final int DEFAULT_SLICE_BITS = 64;
    /** Default seed of the network. */
    public static final long DEFAULT_SEED = 0x5EED_C0DE_2020L;
    /** Widest supported index: 24 planes. */
    public static final int MAX_PLANES = 24;

    /** The XOR format's row; {@code wordBits} and {@code sliceBits} tune the encoder. */
    public static final MatrixFormat FORMAT = MatrixFormat.named(NAME)
            .description("XOR-gate encrypted bit-planes with patches, Rice-coded pruning mask")
            .accepts(XorEncoder::accepts, "quantize to at most 2^24 levels")
            .encoder((source, settings) -> XorEncoder.encode(source, new XorEncoder.Parameters(
                            Math.toIntExact(settings.getOrDefault("wordBits", 0L)),
                            Math.toIntExact(settings.getOrDefault("sliceBits", (long) DEFAULT_SLICE_BITS)), DEFAULT_SEED)),
                    Map.of("wordBits", "encrypted word width N_in (1-32; 0 = chosen by measurement)",
                            "sliceBits", "slice width N_out (1-64)"))
            .reader(XorLayout::fromLayout)
            // plane reconstruction per entry
            .cost(s -> 6.0 * s.entries())
            .energy(EnergyClass.CODED)
            .loadTarget(MatrixFormat.LoadTarget.NEVER)
            .build();

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

    XorMatrix(int rows, int cols, int planes, int wordBits, int sliceBits, long seed, long networkCheck,
              long[] table, MemorySegment words, MemorySegment omega, IndexArray patchPtr, IndexArray patches,
              EncodedMask mask, MemorySegment rowScale, long careEntries, Arena owner) {
        MemorySegment decodeTable = Arena.ofAuto().allocate(8L * table.length, 8);
        MemorySegment.copy(table, 0, decodeTable, Layouts.I64, 0, table.length);
        super(NAME, new XorArrays(rows, cols, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr, patches,
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
    protected long workBefore(int row) {
        int slices = (cols() + sliceBits - 1) / sliceBits;
        return Integer.toUnsignedLong(mask.rowBit.get(row)) + (long) row * planes * slices;
    }

    @Override
    protected void decodeRowK(int row, MemorySegment dst) {
        int cols = cols();
        int[] columns = Scratch.columns(cols);
        int[] indices = Scratch.symbols(cols);
        int m = XorRows.decode(row, cols, planes, wordBits, sliceBits, XorNetwork.load(decodeTable), words, patchPtr,
                patches, mask.words, mask.rowBit, mask.riceBits, columns, indices, new long[Math.max(1, planes)]);
        // omega holds the implicit value at 0 and the stored values after it.
        for (int i = 0; i < m; i++) {
            indices[i] = omega.getAtIndex(Layouts.I32, 1 + indices[i]);
        }
        DecodedRowWriter.sparse(dst, cols, omega.getAtIndex(Layouts.F32, 0), rowScale, row, columns, indices, m);
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
}
