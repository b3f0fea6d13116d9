package dev.tersor.kernels.ffm;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The native provider: Tersor's C kernels ({@code tersor_kernels.h}) through FFM downcalls. Found
 * reflectively by the kernel lookup, which prefers it when {@link #create()} succeeds.
 *
 * <p>The C kernels trust their arguments. What reaches them has passed the constant-time checks of
 * {@link Kernels}' public methods, and layouts have passed their format's validator before a matrix
 * exists; in addition, outputs must be writable here, because a write into a read-only mapping
 * would crash the JVM instead of throwing.
 *
 * <p>The instruction-set path is chosen once, when the provider is created: the fastest the CPU
 * supports, capped by {@value #ISA_PROPERTY} or else the environment variable
 * {@value #ISA_ENVIRONMENT} (for testing slower paths on a fast machine).
 */
public final class NativeKernels extends Kernels {

    /** System property capping the native instruction-set path: {@code portable}, {@code avx2}, {@code neon}. */
    public static final String ISA_PROPERTY = "tersor.native.isa";
    /** Environment variable with the same meaning, read when the property is not set. */
    public static final String ISA_ENVIRONMENT = "TERSOR_NATIVE_ISA";

    private final String isa;
    /** Runs dense batches instead of the C path when it computes with wider vectors; null otherwise. */
    private final Kernels widerDenseBatches;

    private NativeKernels(String isa) {
        this.isa = isa;
        this.widerDenseBatches = widerDenseBatches(vectorBits());
    }

    /**
     * The Vector API provider, when it computes with wider vectors than this library's path (a JVM
     * using AVX-512 beside the AVX2 C path). Dense products with a batch are compute bound, so register
     * width decides them: on MiniLM's Linear layers at 11 tokens, 3.9 ms with 512-bit Java against
     * 4.9 ms with AVX2 C. Batch one is bound by memory, where the C path stays ahead.
     */
    private static Kernels widerDenseBatches(int nativeBits) {
        try {
            Kernels vector = Kernels.named("vector");
            return vector.vectorBits() > nativeBits ? vector : null;
        } catch (KernelUnavailableException e) {
            return null;
        }
    }

    /**
     * Loads the library (once per JVM) and selects its path. Throws {@link KernelUnavailableException}
     * with a one-line reason when the library is missing, fails to load, has another ABI version,
     * or the ISA cap names no path it knows.
     */
    public static NativeKernels create() {
        NativeLibrary.lookup();
        int abi = TersorKernels.tersor_abi_version();
        if (abi != TersorKernels.TERSOR_KERNELS_ABI_VERSION) {
            throw new KernelUnavailableException("libtersor_kernels has ABI version " + abi + " but these bindings need "
                    + TersorKernels.TERSOR_KERNELS_ABI_VERSION + " (a stale -D" + NativeLibrary.PATH_PROPERTY + "?)");
        }
        String cap = requestedCap();
        int selected;
        try (Arena arena = Arena.ofConfined()) {
            selected = TersorKernels.tersor_isa_select(cap == null ? MemorySegment.NULL : arena.allocateFrom(cap));
        }
        if (selected != 0) {
            String source = System.getProperty(ISA_PROPERTY) != null ? "-D" + ISA_PROPERTY : ISA_ENVIRONMENT;
            throw new KernelUnavailableException(source + "=" + cap + " names no native ISA path; this library has: "
                    + TersorKernels.isaPaths());
        }
        return new NativeKernels(TersorKernels.isa());
    }

    private static String requestedCap() {
        String cap = System.getProperty(ISA_PROPERTY);
        if (cap == null) {
            cap = System.getenv(ISA_ENVIRONMENT);
        }
        return cap == null || cap.isBlank() ? null : cap.trim();
    }

    @Override
    public String name() {
        return "native";
    }

    /** The C path in use: {@code portable}, {@code avx2} or {@code neon}. */
    @Override
    public String isa() {
        return isa;
    }

    /** 256 for the AVX2 path, 128 for NEON and for portable C (what compilers vectorize it to at least). */
    @Override
    public int vectorBits() {
        return "avx2".equals(isa) ? 256 : 128;
    }

    /** Every path the loaded library was built with, slowest first, whether this CPU runs it or not. */
    public static String isaPaths() {
        NativeLibrary.lookup();
        return TersorKernels.isaPaths();
    }

    @Override
    protected void denseMatMulK(int rows, int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                                int rowStart, int rowEnd) {
        if (batch > 1 && widerDenseBatches != null) {
            widerDenseBatches.denseMatMul(rows, cols, batch, w, x, y, rowStart, rowEnd);
            return;
        }
        requireWritable(y);
        if (onHeap(w) || onHeap(x, y)) {
            TersorKernels.Heap.tersor_dense_matmul(rows, cols, batch, w, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_dense_matmul(rows, cols, batch, w, x, y, rowStart, rowEnd);
        }
    }

    @Override
    protected void csrMatMulK(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        requireWritable(y);
        MemorySegment c = colIdx.segment();
        MemorySegment r = rowPtr.segment();
        if (onHeap(values, c, r) || onHeap(x, y)) {
            TersorKernels.Heap.tersor_csr_matmul(rows, cols, batch, values, c, colIdx.width().bytes(),
                    r, rowPtr.width().bytes(), x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_csr_matmul(rows, cols, batch, values, c, colIdx.width().bytes(),
                    r, rowPtr.width().bytes(), x, y, rowStart, rowEnd);
        }
    }

    @Override
    protected void cerMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        requireWritable(y);
        MemorySegment c = colIdx.segment();
        MemorySegment g = groupPtr.segment();
        MemorySegment r = rowPtr.segment();
        MemorySegment s = scales(rowScale);
        if (onHeap(omega, c, g) || onHeap(r, s, x) || onHeap(y)) {
            TersorKernels.Heap.tersor_cer_matmul(rows, cols, batch, omega, c, colIdx.width().bytes(),
                    g, groupPtr.width().bytes(), r, rowPtr.width().bytes(), s, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_cer_matmul(rows, cols, batch, omega, c, colIdx.width().bytes(),
                    g, groupPtr.width().bytes(), r, rowPtr.width().bytes(), s, x, y, rowStart, rowEnd);
        }
    }

    @Override
    protected void cserMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                               IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                               MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        requireWritable(y);
        MemorySegment c = colIdx.segment();
        MemorySegment v = groupValue.segment();
        MemorySegment g = groupPtr.segment();
        MemorySegment r = rowPtr.segment();
        MemorySegment s = scales(rowScale);
        if (onHeap(omega, c, v) || onHeap(g, r, s) || onHeap(x, y)) {
            TersorKernels.Heap.tersor_cser_matmul(rows, cols, batch, omega, c, colIdx.width().bytes(),
                    v, groupValue.width().bytes(), g, groupPtr.width().bytes(), r, rowPtr.width().bytes(),
                    s, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_cser_matmul(rows, cols, batch, omega, c, colIdx.width().bytes(),
                    v, groupValue.width().bytes(), g, groupPtr.width().bytes(), r, rowPtr.width().bytes(),
                    s, x, y, rowStart, rowEnd);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // HAM, sHAM, XOR and bit-packed. The C decoders read bit streams a whole u32 word at a time, up
    // to the word holding the last row's end; Kernels' checks only guarantee the bytes up to that
    // bit, so the word-sized tail is checked here.

    @Override
    protected void hamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        requireWritable(y);
        requireWords("stream", stream, rowBit, rows);
        MemorySegment b = rowBit.segment();
        MemorySegment s = scales(rowScale);
        if (onHeap(stream, b, symbols) || onHeap(decodeTable, s) || onHeap(x, y)) {
            TersorKernels.Heap.tersor_ham_matmul(rows, cols, batch, stream, b, rowBit.width().bytes(), symbols,
                    decodeTable, s, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_ham_matmul(rows, cols, batch, stream, b, rowBit.width().bytes(), symbols,
                    decodeTable, s, x, y, rowStart, rowEnd);
        }
    }

    @Override
    protected void shamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                               MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                               IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                               int rowStart, int rowEnd) {
        requireWritable(y);
        requireWords("stream", stream, rowBit, rows);
        MemorySegment b = rowBit.segment();
        MemorySegment g = colGap.segment();
        MemorySegment r = rowPtr.segment();
        MemorySegment s = scales(rowScale);
        if (onHeap(stream, b, symbols) || onHeap(decodeTable, g, r) || onHeap(s, x, y)) {
            TersorKernels.Heap.tersor_sham_matmul(rows, cols, batch, stream, b, rowBit.width().bytes(), symbols,
                    decodeTable, implicit, g, colGap.width().bytes(), r, rowPtr.width().bytes(), s, x, y,
                    rowStart, rowEnd);
        } else {
            TersorKernels.tersor_sham_matmul(rows, cols, batch, stream, b, rowBit.width().bytes(), symbols,
                    decodeTable, implicit, g, colGap.width().bytes(), r, rowPtr.width().bytes(), s, x, y,
                    rowStart, rowEnd);
        }
    }

    @Override
    protected void xorMatMulK(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                              MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                              IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                              int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        requireWritable(y);
        requireWords("mask", mask, maskRowBit, rows);
        MemorySegment pp = patchPtr.segment();
        MemorySegment pl = patches.segment();
        MemorySegment mr = maskRowBit.segment();
        MemorySegment s = scales(rowScale);
        if (onHeap(decodeTable, words, omega) || onHeap(pp, pl, mask) || onHeap(mr, s) || onHeap(x, y)) {
            TersorKernels.Heap.tersor_xor_matmul(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words,
                    omega, pp, patchPtr.width().bytes(), pl, patches.width().bytes(), mask, mr,
                    maskRowBit.width().bytes(), riceBits, s, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_xor_matmul(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words,
                    omega, pp, patchPtr.width().bytes(), pl, patches.width().bytes(), mask, mr,
                    maskRowBit.width().bytes(), riceBits, s, x, y, rowStart, rowEnd);
        }
    }

    @Override
    protected void bitpackMatMulK(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                                  IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                                  int rowStart, int rowEnd) {
        requireWritable(y);
        MemorySegment r = rowPtr.segment();
        if (onHeap(rowBits, rowScale, r) || onHeap(data, x, y)) {
            TersorKernels.Heap.tersor_bitpack_matmul(rows, cols, batch, rowBits, rowScale, r, rowPtr.width().bytes(),
                    data, x, y, rowStart, rowEnd);
        } else {
            TersorKernels.tersor_bitpack_matmul(rows, cols, batch, rowBits, rowScale, r, rowPtr.width().bytes(),
                    data, x, y, rowStart, rowEnd);
        }
    }

    /** The stream must hold every u32 word up to the one holding bit {@code rowBit[rows]}. */
    private static void requireWords(String name, MemorySegment stream, IndexArray rowBit, int rows) {
        long bits = Integer.toUnsignedLong(rowBit.get(rows));
        long bytes = 4 * ((bits + 31) / 32);
        if (stream.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " has " + stream.byteSize() + " bytes, but its rows end at bit "
                    + bits + ", which needs " + bytes + " (whole u32 words)");
        }
    }

    /** The C kernels read NULL as "no row scales". */
    private static MemorySegment scales(MemorySegment rowScale) {
        return rowScale.byteSize() == 0 ? MemorySegment.NULL : rowScale;
    }

    private static void requireWritable(MemorySegment y) {
        if (y.isReadOnly()) {
            throw new IllegalArgumentException("y is a read-only segment");
        }
    }

    private static boolean onHeap(MemorySegment a) {
        return !a.isNative();
    }

    private static boolean onHeap(MemorySegment a, MemorySegment b) {
        return !a.isNative() || !b.isNative();
    }

    private static boolean onHeap(MemorySegment a, MemorySegment b, MemorySegment c) {
        return !a.isNative() || !b.isNative() || !c.isNative();
    }
}
