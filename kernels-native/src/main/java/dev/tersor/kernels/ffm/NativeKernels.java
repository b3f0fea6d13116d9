package dev.tersor.kernels.ffm;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.arrays.BitpackArrays;
import dev.tersor.kernels.arrays.CsrArrays;
import dev.tersor.kernels.arrays.DenseArrays;
import dev.tersor.kernels.arrays.GroupedArrays;
import dev.tersor.kernels.arrays.HamArrays;
import dev.tersor.kernels.arrays.Q8Arrays;
import dev.tersor.kernels.arrays.ShamArrays;
import dev.tersor.kernels.arrays.WeightArrays;
import dev.tersor.kernels.arrays.XorArrays;
import dev.tersor.kernels.q8.Q8Patches;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The native provider: Tersor's C kernels ({@code tersor_kernels.h}) through FFM downcalls. Found
 * reflectively by the kernel lookup, which prefers it when {@link #create()} succeeds.
 *
 * <p>The C kernels trust their arguments. What reaches them has passed the constant-time checks of
 * the {@link WeightArrays} records and of {@link Kernels#matMul}, and layouts have passed their
 * format's validator before a matrix exists; in addition, outputs must be writable here, because a
 * write into a read-only mapping would crash the JVM instead of throwing.
 *
 * <p>The instruction-set path is chosen once, when the provider is created: the fastest the CPU
 * supports, capped by {@value #ISA_PROPERTY} or else the environment variable
 * {@value #ISA_ENVIRONMENT} (for testing slower paths on a fast machine).
 */
public final class NativeKernels extends Kernels {

    /**
     * System property capping the native instruction-set path: {@code portable}, {@code avx2},
     * {@code avx512}, {@code avx-vnni}, {@code avx512-vnni}, {@code neon}, {@code neon-dotprod} (see
     * {@link #isaPaths()}).
     */
    public static final String ISA_PROPERTY = "tersor.native.isa";
    /** Environment variable with the same meaning, read when the property is not set. */
    public static final String ISA_ENVIRONMENT = "TERSOR_NATIVE_ISA";

    private final String isa;
    /**
     * The best Java provider: runs the formats this library has no kernel for, and what is faster in
     * Java (see {@link #javaIsFaster}).
     */
    private final Kernels fallback;

    private NativeKernels(String isa) {
        this.isa = isa;
        this.fallback = bestJavaProvider();
    }

    private static Kernels bestJavaProvider() {
        try {
            return Kernels.named("vector");
        } catch (KernelUnavailableException e) {
            return Kernels.named("scalar");
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
                    + Downcalls.string(TersorKernels.tersor_isa_paths()));
        }
        return new NativeKernels(Downcalls.string(TersorKernels.tersor_isa()));
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

    /**
     * The C path in use: {@code portable}; {@code avx2}, {@code avx512}, {@code avx-vnni} or {@code avx512-vnni}
     * on x86-64; {@code neon} or {@code neon-dotprod} on aarch64. The dot-product paths differ from
     * {@code avx2}, {@code avx512} and {@code neon} only in the q8 kernel.
     */
    @Override
    public String isa() {
        return isa;
    }

    /**
     * 512 for the AVX-512 paths (their dense kernel is zmm tiles; every other format but q8 runs the
     * AVX2 kernels), 256 for the other x86 paths, 128 for NEON and for portable C (what compilers
     * vectorize it to at least).
     */
    @Override
    public int vectorBits() {
        return isa.startsWith("avx512") ? 512 : isa.startsWith("avx") ? 256 : 128;
    }

    /** Every path the loaded library was built with, slowest first, whether this CPU runs it or not. */
    public static String isaPaths() {
        NativeLibrary.lookup();
        return Downcalls.string(TersorKernels.tersor_isa_paths());
    }

    /**
     * Dense products with a batch go to the fallback when it computes with wider vectors (a JVM using
     * AVX-512 beside the AVX2 C path): they are compute bound, so register width decides them; on
     * MiniLM's Linear layers at 11 tokens, 3.9 ms with 512-bit Java against 4.9 ms with AVX2 C. Batch
     * one is bound by memory, where the C path stays ahead.
     */
    private boolean javaIsFaster(WeightArrays w, int batch) {
        return w instanceof DenseArrays && batch > 1 && fallback.vectorBits() > vectorBits();
    }

    /**
     * One downcall per format, critical (holding off garbage collection while it runs) only when an
     * argument lives on the heap: {@code x} or {@code y}, or the matrix's arrays, which its record
     * answers for. The record's own method is called in each case, where its class is known.
     */
    @Override
    protected void matMulK(WeightArrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        if (javaIsFaster(w, batch)) {
            fallback.matMul(w, batch, x, y, rowStart, rowEnd);
            return;
        }
        requireWritable(y);
        boolean io = !x.isNative() || !y.isNative();
        switch (w) {
            case DenseArrays a -> TersorKernels.tersor_dense_matmul(io || a.onHeap(),
                    a.rows(), a.cols(), batch, a.w(), x, y, rowStart, rowEnd);
            case CsrArrays a -> TersorKernels.tersor_csr_matmul(io || a.onHeap(),
                    a.rows(), a.cols(), batch, a.values(), a.colIdx().segment(), width(a.colIdx()),
                    a.rowPtr().segment(), width(a.rowPtr()), x, y, rowStart, rowEnd);
            case GroupedArrays a when a.groupValue() == null -> TersorKernels.tersor_cer_matmul(io || a.onHeap(),
                    a.rows(), a.cols(), batch, a.omega(), a.colIdx().segment(), width(a.colIdx()),
                    a.groupPtr().segment(), width(a.groupPtr()), a.rowPtr().segment(), width(a.rowPtr()),
                    a.rowScale(), x, y, rowStart, rowEnd);
            case GroupedArrays a -> TersorKernels.tersor_cser_matmul(io || a.onHeap(),
                    a.rows(), a.cols(), batch, a.omega(), a.colIdx().segment(), width(a.colIdx()),
                    a.groupValue().segment(), width(a.groupValue()), a.groupPtr().segment(), width(a.groupPtr()),
                    a.rowPtr().segment(), width(a.rowPtr()), a.rowScale(), x, y, rowStart, rowEnd);
            case HamArrays a -> {
                requireWords("stream", a.stream(), a.rowBit(), a.rows());
                TersorKernels.tersor_ham_matmul(io || a.onHeap(),
                        a.rows(), a.cols(), batch, a.stream(), a.rowBit().segment(), width(a.rowBit()),
                        a.symbols(), a.decodeTable(), a.rowScale(), x, y, rowStart, rowEnd);
            }
            case ShamArrays a -> {
                requireWords("stream", a.stream(), a.rowBit(), a.rows());
                TersorKernels.tersor_sham_matmul(io || a.onHeap(),
                        a.rows(), a.cols(), batch, a.stream(), a.rowBit().segment(), width(a.rowBit()),
                        a.symbols(), a.decodeTable(), a.implicit(), a.colGap().segment(), width(a.colGap()),
                        a.rowPtr().segment(), width(a.rowPtr()), a.rowScale(), x, y, rowStart, rowEnd);
            }
            case XorArrays a -> {
                requireWords("mask", a.mask(), a.maskRowBit(), a.rows());
                TersorKernels.tersor_xor_matmul(io || a.onHeap(),
                        a.rows(), a.cols(), batch, a.planes(), a.wordBits(), a.sliceBits(), a.decodeTable(),
                        a.words(), a.omega(), a.patchPtr().segment(), width(a.patchPtr()), a.patches().segment(),
                        width(a.patches()), a.mask(), a.maskRowBit().segment(), width(a.maskRowBit()),
                        a.riceBits(), a.rowScale(), x, y, rowStart, rowEnd);
            }
            case BitpackArrays a -> TersorKernels.tersor_bitpack_matmul(io || a.onHeap(),
                    a.rows(), a.cols(), batch, a.rowBits(), a.rowScale(), a.rowPtr().segment(), width(a.rowPtr()),
                    a.data(), x, y, rowStart, rowEnd);
            case Q8Arrays a -> {
                TersorKernels.tersor_q8_matmul(io || a.onHeap(),
                        a.rows(), a.cols(), batch, a.codes(), a.rowScale(), a.rowSum(), a.int8Activations() ? 1 : 0,
                        x, y, rowStart, rowEnd);
                Q8Patches.addPatches(a, batch, x, y, rowStart, rowEnd);
            }
            default -> fallback.matMul(w, batch, x, y, rowStart, rowEnd);
        }
    }

    /**
     * The C decoders of HAM, sHAM and XOR read bit streams a whole u32 word at a time, up to the word
     * holding the last row's end; the records' checks only guarantee the bytes up to that bit, so the
     * stream must hold every u32 word up to the one holding bit {@code rowBit[rows]}.
     */
    private static void requireWords(String name, MemorySegment stream, IndexArray rowBit, int rows) {
        long bits = Integer.toUnsignedLong(rowBit.get(rows));
        long bytes = 4 * ((bits + 31) / 32);
        if (stream.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " has " + stream.byteSize() + " bytes, but its rows end at bit "
                    + bits + ", which needs " + bytes + " (whole u32 words)");
        }
    }

    /** The element width in bytes, as the C side takes it beside an index array. */
    private static int width(IndexArray array) {
        return array.width().bytes();
    }

    private static void requireWritable(MemorySegment y) {
        if (y.isReadOnly()) {
            throw new IllegalArgumentException("y is a read-only segment");
        }
    }
}
