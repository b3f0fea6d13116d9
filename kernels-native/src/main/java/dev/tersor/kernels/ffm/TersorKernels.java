package dev.tersor.kernels.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static dev.tersor.kernels.ffm.Downcalls.critical;
import static dev.tersor.kernels.ffm.Downcalls.downcall;
import static dev.tersor.kernels.ffm.Downcalls.find;
import static dev.tersor.kernels.ffm.Downcalls.rethrow;

/**
 * FFM bindings of {@code tersor_kernels.h}, generated from it by {@code BindingsWriter} (a test
 * class): do not edit. After changing the header, run
 * {@code mvn -pl kernels-native -am verify -Dtest=HeaderBindingsTest -Dtersor.bindings.write=true}
 * to rewrite this file; {@code HeaderBindingsTest} fails while it differs from what the header gives.
 *
 * <p>A kernel has a plain and a critical handle (see {@link Downcalls#critical}); its caller says
 * which, having looked at its segments once. Only {@link NativeKernels} calls these, after
 * {@link NativeLibrary#lookup()} has succeeded.
 */
public final class TersorKernels {

    /** The header's {@code TERSOR_KERNELS_ABI_VERSION}; a library reporting another one is refused. */
    public static final int TERSOR_KERNELS_ABI_VERSION = 4;

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

    private TersorKernels() {
    }

    // ---------------------------------------------------------------------------------------------
    // int32_t tersor_abi_version(void);

    private static final class tersor_abi_version {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
        static final MemorySegment ADDR = find("tersor_abi_version");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
    }

    public static int tersor_abi_version() {
        try {
            return (int) tersor_abi_version.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // const char *tersor_isa(void);

    private static final class tersor_isa {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER);
        static final MemorySegment ADDR = find("tersor_isa");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
    }

    public static MemorySegment tersor_isa() {
        try {
            return (MemorySegment) tersor_isa.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // const char *tersor_isa_paths(void);

    private static final class tersor_isa_paths {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER);
        static final MemorySegment ADDR = find("tersor_isa_paths");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
    }

    public static MemorySegment tersor_isa_paths() {
        try {
            return (MemorySegment) tersor_isa_paths.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // int32_t tersor_isa_select(const char *cap);

    private static final class tersor_isa_select {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER);
        static final MemorySegment ADDR = find("tersor_isa_select");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
    }

    public static int tersor_isa_select(MemorySegment cap) {
        try {
            return (int) tersor_isa_select.HANDLE.invokeExact(cap);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_dense_matmul(int32_t rows, int32_t cols, int32_t batch, const void *w, const void *x, void *y,
    //     int32_t row_start, int32_t row_end);

    private static final class tersor_dense_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_dense_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_dense_matmul(int rows, int cols, int batch, MemorySegment w, MemorySegment x,
                                           MemorySegment y, int rowStart, int rowEnd) {
        tersor_dense_matmul(false, rows, cols, batch, w, x, y, rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_dense_matmul(boolean critical, int rows, int cols, int batch, MemorySegment w,
                                    MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_dense_matmul.HEAP.invokeExact(rows, cols, batch, w, x, y, rowStart, rowEnd);
            } else {
                tersor_dense_matmul.HANDLE.invokeExact(rows, cols, batch, w, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_csr_matmul(int32_t rows, int32_t cols, int32_t batch, const void *values, const void *col_idx,
    //     int32_t col_idx_width, const void *row_ptr, int32_t row_ptr_width, const void *x, void *y, int32_t row_start,
    //     int32_t row_end);

    private static final class tersor_csr_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_csr_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_csr_matmul(int rows, int cols, int batch, MemorySegment values, MemorySegment colIdx,
                                         int colIdxWidth, MemorySegment rowPtr, int rowPtrWidth, MemorySegment x,
                                         MemorySegment y, int rowStart, int rowEnd) {
        tersor_csr_matmul(false, rows, cols, batch, values, colIdx, colIdxWidth, rowPtr, rowPtrWidth, x, y, rowStart,
                rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_csr_matmul(boolean critical, int rows, int cols, int batch, MemorySegment values,
                                  MemorySegment colIdx, int colIdxWidth, MemorySegment rowPtr, int rowPtrWidth,
                                  MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_csr_matmul.HEAP.invokeExact(rows, cols, batch, values, colIdx, colIdxWidth, rowPtr, rowPtrWidth,
                        x, y, rowStart, rowEnd);
            } else {
                tersor_csr_matmul.HANDLE.invokeExact(rows, cols, batch, values, colIdx, colIdxWidth, rowPtr,
                        rowPtrWidth, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_cer_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega, const void *col_idx,
    //     int32_t col_idx_width, const void *group_ptr, int32_t group_ptr_width, const void *row_ptr,
    //     int32_t row_ptr_width, const void *row_scale, const void *x, void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_cer_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_cer_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_cer_matmul(int rows, int cols, int batch, MemorySegment omega, MemorySegment colIdx,
                                         int colIdxWidth, MemorySegment groupPtr, int groupPtrWidth,
                                         MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale,
                                         MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        tersor_cer_matmul(false, rows, cols, batch, omega, colIdx, colIdxWidth, groupPtr, groupPtrWidth, rowPtr,
                rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_cer_matmul(boolean critical, int rows, int cols, int batch, MemorySegment omega,
                                  MemorySegment colIdx, int colIdxWidth, MemorySegment groupPtr, int groupPtrWidth,
                                  MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale, MemorySegment x,
                                  MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_cer_matmul.HEAP.invokeExact(rows, cols, batch, omega, colIdx, colIdxWidth, groupPtr,
                        groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
            } else {
                tersor_cer_matmul.HANDLE.invokeExact(rows, cols, batch, omega, colIdx, colIdxWidth, groupPtr,
                        groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_cser_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega, const void *col_idx,
    //     int32_t col_idx_width, const void *group_value, int32_t group_value_width, const void *group_ptr,
    //     int32_t group_ptr_width, const void *row_ptr, int32_t row_ptr_width, const void *row_scale, const void *x,
    //     void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_cser_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_INT,
                C_INT);
        static final MemorySegment ADDR = find("tersor_cser_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_cser_matmul(int rows, int cols, int batch, MemorySegment omega, MemorySegment colIdx,
                                          int colIdxWidth, MemorySegment groupValue, int groupValueWidth,
                                          MemorySegment groupPtr, int groupPtrWidth, MemorySegment rowPtr,
                                          int rowPtrWidth, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                                          int rowStart, int rowEnd) {
        tersor_cser_matmul(false, rows, cols, batch, omega, colIdx, colIdxWidth, groupValue, groupValueWidth, groupPtr,
                groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_cser_matmul(boolean critical, int rows, int cols, int batch, MemorySegment omega,
                                   MemorySegment colIdx, int colIdxWidth, MemorySegment groupValue,
                                   int groupValueWidth, MemorySegment groupPtr, int groupPtrWidth,
                                   MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale, MemorySegment x,
                                   MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_cser_matmul.HEAP.invokeExact(rows, cols, batch, omega, colIdx, colIdxWidth, groupValue,
                        groupValueWidth, groupPtr, groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart,
                        rowEnd);
            } else {
                tersor_cser_matmul.HANDLE.invokeExact(rows, cols, batch, omega, colIdx, colIdxWidth, groupValue,
                        groupValueWidth, groupPtr, groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart,
                        rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_ham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream, const void *row_bit,
    //     int32_t row_bit_width, const void *symbols, const void *decode_table, const void *row_scale, const void *x,
    //     void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_ham_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_ham_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_ham_matmul(int rows, int cols, int batch, MemorySegment stream, MemorySegment rowBit,
                                         int rowBitWidth, MemorySegment symbols, MemorySegment decodeTable,
                                         MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart,
                                         int rowEnd) {
        tersor_ham_matmul(false, rows, cols, batch, stream, rowBit, rowBitWidth, symbols, decodeTable, rowScale, x, y,
                rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_ham_matmul(boolean critical, int rows, int cols, int batch, MemorySegment stream,
                                  MemorySegment rowBit, int rowBitWidth, MemorySegment symbols,
                                  MemorySegment decodeTable, MemorySegment rowScale, MemorySegment x,
                                  MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_ham_matmul.HEAP.invokeExact(rows, cols, batch, stream, rowBit, rowBitWidth, symbols, decodeTable,
                        rowScale, x, y, rowStart, rowEnd);
            } else {
                tersor_ham_matmul.HANDLE.invokeExact(rows, cols, batch, stream, rowBit, rowBitWidth, symbols,
                        decodeTable, rowScale, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_sham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream, const void *row_bit,
    //     int32_t row_bit_width, const void *symbols, const void *decode_table, float implicit, const void *col_gap,
    //     int32_t col_gap_width, const void *row_ptr, int32_t row_ptr_width, const void *row_scale, const void *x,
    //     void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_sham_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_INT, C_POINTER, C_POINTER, C_FLOAT, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER,
                C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_sham_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_sham_matmul(int rows, int cols, int batch, MemorySegment stream, MemorySegment rowBit,
                                          int rowBitWidth, MemorySegment symbols, MemorySegment decodeTable,
                                          float implicit, MemorySegment colGap, int colGapWidth,
                                          MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale,
                                          MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        tersor_sham_matmul(false, rows, cols, batch, stream, rowBit, rowBitWidth, symbols, decodeTable, implicit,
                colGap, colGapWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_sham_matmul(boolean critical, int rows, int cols, int batch, MemorySegment stream,
                                   MemorySegment rowBit, int rowBitWidth, MemorySegment symbols,
                                   MemorySegment decodeTable, float implicit, MemorySegment colGap, int colGapWidth,
                                   MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale, MemorySegment x,
                                   MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_sham_matmul.HEAP.invokeExact(rows, cols, batch, stream, rowBit, rowBitWidth, symbols,
                        decodeTable, implicit, colGap, colGapWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart,
                        rowEnd);
            } else {
                tersor_sham_matmul.HANDLE.invokeExact(rows, cols, batch, stream, rowBit, rowBitWidth, symbols,
                        decodeTable, implicit, colGap, colGapWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart,
                        rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_xor_matmul(int32_t rows, int32_t cols, int32_t batch, int32_t planes, int32_t word_bits,
    //     int32_t slice_bits, const void *decode_table, const void *words, const void *omega, const void *patch_ptr,
    //     int32_t patch_ptr_width, const void *patches, int32_t patches_width, const void *mask,
    //     const void *mask_row_bit, int32_t mask_row_bit_width, int32_t rice_bits, const void *row_scale,
    //     const void *x, void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_xor_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_INT, C_INT, C_INT,
                C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_INT, C_INT,
                C_POINTER, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_xor_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_xor_matmul(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                                         MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                                         MemorySegment patchPtr, int patchPtrWidth, MemorySegment patches,
                                         int patchesWidth, MemorySegment mask, MemorySegment maskRowBit,
                                         int maskRowBitWidth, int riceBits, MemorySegment rowScale, MemorySegment x,
                                         MemorySegment y, int rowStart, int rowEnd) {
        tersor_xor_matmul(false, rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr,
                patchPtrWidth, patches, patchesWidth, mask, maskRowBit, maskRowBitWidth, riceBits, rowScale, x, y,
                rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_xor_matmul(boolean critical, int rows, int cols, int batch, int planes, int wordBits,
                                  int sliceBits, MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                                  MemorySegment patchPtr, int patchPtrWidth, MemorySegment patches, int patchesWidth,
                                  MemorySegment mask, MemorySegment maskRowBit, int maskRowBitWidth, int riceBits,
                                  MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_xor_matmul.HEAP.invokeExact(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words,
                        omega, patchPtr, patchPtrWidth, patches, patchesWidth, mask, maskRowBit, maskRowBitWidth,
                        riceBits, rowScale, x, y, rowStart, rowEnd);
            } else {
                tersor_xor_matmul.HANDLE.invokeExact(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words,
                        omega, patchPtr, patchPtrWidth, patches, patchesWidth, mask, maskRowBit, maskRowBitWidth,
                        riceBits, rowScale, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_bitpack_matmul(int32_t rows, int32_t cols, int32_t batch, const void *row_bits,
    //     const void *row_scale, const void *row_ptr, int32_t row_ptr_width, const void *data, const void *x, void *y,
    //     int32_t row_start, int32_t row_end);

    private static final class tersor_bitpack_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_POINTER, C_INT, C_POINTER, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_bitpack_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_bitpack_matmul(int rows, int cols, int batch, MemorySegment rowBits,
                                             MemorySegment rowScale, MemorySegment rowPtr, int rowPtrWidth,
                                             MemorySegment data, MemorySegment x, MemorySegment y, int rowStart,
                                             int rowEnd) {
        tersor_bitpack_matmul(false, rows, cols, batch, rowBits, rowScale, rowPtr, rowPtrWidth, data, x, y, rowStart,
                rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_bitpack_matmul(boolean critical, int rows, int cols, int batch, MemorySegment rowBits,
                                      MemorySegment rowScale, MemorySegment rowPtr, int rowPtrWidth,
                                      MemorySegment data, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_bitpack_matmul.HEAP.invokeExact(rows, cols, batch, rowBits, rowScale, rowPtr, rowPtrWidth, data,
                        x, y, rowStart, rowEnd);
            } else {
                tersor_bitpack_matmul.HANDLE.invokeExact(rows, cols, batch, rowBits, rowScale, rowPtr, rowPtrWidth,
                        data, x, y, rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // void tersor_q8_matmul(int32_t rows, int32_t cols, int32_t batch, const void *codes, const void *row_scale,
    //     const void *row_sum, int32_t int8_activations, const void *x, void *y, int32_t row_start, int32_t row_end);

    private static final class tersor_q8_matmul {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_INT, C_INT, C_INT, C_POINTER, C_POINTER,
                C_POINTER, C_INT, C_POINTER, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = find("tersor_q8_matmul");
        static final MethodHandle HANDLE = downcall(ADDR, DESC);
        static final MethodHandle HEAP = critical(ADDR, DESC);
    }

    public static void tersor_q8_matmul(int rows, int cols, int batch, MemorySegment codes, MemorySegment rowScale,
                                        MemorySegment rowSum, int int8Activations, MemorySegment x, MemorySegment y,
                                        int rowStart, int rowEnd) {
        tersor_q8_matmul(false, rows, cols, batch, codes, rowScale, rowSum, int8Activations, x, y, rowStart, rowEnd);
    }

    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */
    static void tersor_q8_matmul(boolean critical, int rows, int cols, int batch, MemorySegment codes,
                                 MemorySegment rowScale, MemorySegment rowSum, int int8Activations, MemorySegment x,
                                 MemorySegment y, int rowStart, int rowEnd) {
        try {
            if (critical) {
                tersor_q8_matmul.HEAP.invokeExact(rows, cols, batch, codes, rowScale, rowSum, int8Activations, x, y,
                        rowStart, rowEnd);
            } else {
                tersor_q8_matmul.HANDLE.invokeExact(rows, cols, batch, codes, rowScale, rowSum, int8Activations, x, y,
                        rowStart, rowEnd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** The kernels through their critical handles, under the C names. */
    public static final class Heap {

        private Heap() {
        }

        public static void tersor_dense_matmul(int rows, int cols, int batch, MemorySegment w, MemorySegment x,
                                               MemorySegment y, int rowStart, int rowEnd) {
            TersorKernels.tersor_dense_matmul(true, rows, cols, batch, w, x, y, rowStart, rowEnd);
        }

        public static void tersor_csr_matmul(int rows, int cols, int batch, MemorySegment values,
                                             MemorySegment colIdx, int colIdxWidth, MemorySegment rowPtr,
                                             int rowPtrWidth, MemorySegment x, MemorySegment y, int rowStart,
                                             int rowEnd) {
            TersorKernels.tersor_csr_matmul(true, rows, cols, batch, values, colIdx, colIdxWidth, rowPtr, rowPtrWidth,
                    x, y, rowStart, rowEnd);
        }

        public static void tersor_cer_matmul(int rows, int cols, int batch, MemorySegment omega,
                                             MemorySegment colIdx, int colIdxWidth, MemorySegment groupPtr,
                                             int groupPtrWidth, MemorySegment rowPtr, int rowPtrWidth,
                                             MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart,
                                             int rowEnd) {
            TersorKernels.tersor_cer_matmul(true, rows, cols, batch, omega, colIdx, colIdxWidth, groupPtr,
                    groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
        }

        public static void tersor_cser_matmul(int rows, int cols, int batch, MemorySegment omega,
                                              MemorySegment colIdx, int colIdxWidth, MemorySegment groupValue,
                                              int groupValueWidth, MemorySegment groupPtr, int groupPtrWidth,
                                              MemorySegment rowPtr, int rowPtrWidth, MemorySegment rowScale,
                                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
            TersorKernels.tersor_cser_matmul(true, rows, cols, batch, omega, colIdx, colIdxWidth, groupValue,
                    groupValueWidth, groupPtr, groupPtrWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
        }

        public static void tersor_ham_matmul(int rows, int cols, int batch, MemorySegment stream,
                                             MemorySegment rowBit, int rowBitWidth, MemorySegment symbols,
                                             MemorySegment decodeTable, MemorySegment rowScale, MemorySegment x,
                                             MemorySegment y, int rowStart, int rowEnd) {
            TersorKernels.tersor_ham_matmul(true, rows, cols, batch, stream, rowBit, rowBitWidth, symbols, decodeTable,
                    rowScale, x, y, rowStart, rowEnd);
        }

        public static void tersor_sham_matmul(int rows, int cols, int batch, MemorySegment stream,
                                              MemorySegment rowBit, int rowBitWidth, MemorySegment symbols,
                                              MemorySegment decodeTable, float implicit, MemorySegment colGap,
                                              int colGapWidth, MemorySegment rowPtr, int rowPtrWidth,
                                              MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart,
                                              int rowEnd) {
            TersorKernels.tersor_sham_matmul(true, rows, cols, batch, stream, rowBit, rowBitWidth, symbols, decodeTable,
                    implicit, colGap, colGapWidth, rowPtr, rowPtrWidth, rowScale, x, y, rowStart, rowEnd);
        }

        public static void tersor_xor_matmul(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                                             MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                                             MemorySegment patchPtr, int patchPtrWidth, MemorySegment patches,
                                             int patchesWidth, MemorySegment mask, MemorySegment maskRowBit,
                                             int maskRowBitWidth, int riceBits, MemorySegment rowScale,
                                             MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
            TersorKernels.tersor_xor_matmul(true, rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words,
                    omega, patchPtr, patchPtrWidth, patches, patchesWidth, mask, maskRowBit, maskRowBitWidth, riceBits,
                    rowScale, x, y, rowStart, rowEnd);
        }

        public static void tersor_bitpack_matmul(int rows, int cols, int batch, MemorySegment rowBits,
                                                 MemorySegment rowScale, MemorySegment rowPtr, int rowPtrWidth,
                                                 MemorySegment data, MemorySegment x, MemorySegment y, int rowStart,
                                                 int rowEnd) {
            TersorKernels.tersor_bitpack_matmul(true, rows, cols, batch, rowBits, rowScale, rowPtr, rowPtrWidth, data,
                    x, y, rowStart, rowEnd);
        }

        public static void tersor_q8_matmul(int rows, int cols, int batch, MemorySegment codes,
                                            MemorySegment rowScale, MemorySegment rowSum, int int8Activations,
                                            MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
            TersorKernels.tersor_q8_matmul(true, rows, cols, batch, codes, rowScale, rowSum, int8Activations, x, y,
                    rowStart, rowEnd);
        }
    }
}
