/*
 * Tersor native kernels: the one public header.
 *
 * Every kernel computes Y = W·X for the output rows [row_start, row_end) of a weight matrix W of
 * shape rows × cols stored in one format. X is laid out [cols][batch] and Y [rows][batch], batch
 * innermost; batch 1 is the matrix-vector product. Rows outside the range are not touched, so
 * threads may share Y.
 *
 * Conventions shared by every kernel, present and future:
 *  - float arrays hold IEEE float32 and index arrays unsigned integers, in the machine's byte
 *    order (little-endian on every supported platform), with no alignment requirement;
 *  - an index array is passed as a pointer and its element width in bytes: 1, 2 or 4;
 *  - a float array marked "or NULL" is optional; NULL means the term does not apply;
 *  - a bit stream of u32 words is read most significant bit first, and holds exactly the words its
 *    last row offset needs: ⌈offset[rows] / 32⌉.
 *
 * The kernels trust their arguments. The caller (Tersor's Java side) has validated the layout
 * before any call: pointers never decrease and stay inside their arrays, indices are in range,
 * 1 <= batch, 0 <= row_start <= row_end <= rows. Nothing here allocates or keeps state between
 * calls except the instruction-set path chosen once, so kernels may run on many threads at once.
 */
#ifndef TERSOR_KERNELS_H
#define TERSOR_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bumped whenever a declaration or an array layout below changes; the Java bindings refuse a library
 * that differs.
 */
#define TERSOR_KERNELS_ABI_VERSION 4

/* The library is built with hidden visibility; only what this header declares is exported. */
#if defined(__GNUC__)
#define TERSOR_API __attribute__((visibility("default")))
#else
#define TERSOR_API
#endif

/* TERSOR_KERNELS_ABI_VERSION of the library actually loaded. */
TERSOR_API int32_t tersor_abi_version(void);

/*
 * Name of the instruction-set path the kernels run: "portable"; on x86-64 "avx2", "avx512", "avx-vnni"
 * or "avx512-vnni"; on aarch64 "neon" or "neon-dotprod" (the last two of each add integer dot products,
 * which only tersor_q8_matmul uses; every other kernel is the AVX2 or NEON one). Chosen when the library loads, from the CPU and the optional cap in the
 * environment variable TERSOR_NATIVE_ISA; tersor_isa_select changes it.
 */
TERSOR_API const char *tersor_isa(void);

/* Space-separated names of every path this build knows, slowest first, supported by the CPU or not. */
TERSOR_API const char *tersor_isa_paths(void);

/*
 * Chooses the fastest path the CPU supports that is no faster than the path named `cap`; NULL or
 * "" means no cap. Returns 0, or -1 if `cap` names no path of tersor_isa_paths() (nothing changes).
 * Call it before any kernel runs, not while kernels run on other threads.
 */
TERSOR_API int32_t tersor_isa_select(const char *cap);

/* Dense float32, row-major: w[rows·cols]. */
TERSOR_API void tersor_dense_matmul(int32_t rows, int32_t cols, int32_t batch, const void *w,
                                    const void *x, void *y, int32_t row_start, int32_t row_end);

/* CSR: values f32[nnz], col_idx[nnz] (ascending within a row), row_ptr[rows + 1]; the implicit value is 0. */
TERSOR_API void tersor_csr_matmul(int32_t rows, int32_t cols, int32_t batch, const void *values,
                                  const void *col_idx, int32_t col_idx_width,
                                  const void *row_ptr, int32_t row_ptr_width,
                                  const void *x, void *y, int32_t row_start, int32_t row_end);

/*
 * CER (Wiedemann et al.): omega f32[K] with omega[0] the implicit value, which may be non-zero;
 * col_idx[nnz]; group_ptr[G + 1]; row_ptr[rows + 1]; row_scale f32[rows] or NULL. The t-th group of
 * a row holds ω_g = omega[t + 1]; a group may be empty. Each output is
 * row_scale[r]·(Σ_g (ω_g − omega[0])·Σ_{p∈g} x[col_idx[p]] + omega[0]·Σ_j x[j]).
 */
TERSOR_API void tersor_cer_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega,
                                  const void *col_idx, int32_t col_idx_width,
                                  const void *group_ptr, int32_t group_ptr_width,
                                  const void *row_ptr, int32_t row_ptr_width,
                                  const void *row_scale, const void *x, void *y, int32_t row_start, int32_t row_end);

/* CSER: CER plus group_value[G], the omega index of each group (never 0): ω_g = omega[group_value[g]]. */
TERSOR_API void tersor_cser_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega,
                                   const void *col_idx, int32_t col_idx_width,
                                   const void *group_value, int32_t group_value_width,
                                   const void *group_ptr, int32_t group_ptr_width,
                                   const void *row_ptr, int32_t row_ptr_width,
                                   const void *row_scale, const void *x, void *y, int32_t row_start, int32_t row_end);

/*
 * HAM (Marinò et al.): every entry of a row is a canonical Huffman codeword for its symbol.
 * stream u32[⌈row_bit[rows] / 32⌉], codewords MSB-first; row_bit[rows + 1] the first bit of each row;
 * symbols f32, each symbol's value in canonical order (symbol 0 owns the all-zeros codeword);
 * decode_table i32, the code's table as dev.tersor.kernels.huffman.DecodeTable lays it out;
 * row_scale f32[rows] or NULL. Each output is row_scale[r]·Σ_j symbols[s_rj]·x_j.
 */
TERSOR_API void tersor_ham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream,
                                  const void *row_bit, int32_t row_bit_width, const void *symbols,
                                  const void *decode_table, const void *row_scale,
                                  const void *x, void *y, int32_t row_start, int32_t row_end);

/*
 * sHAM: as HAM, but only the entries that differ from `implicit` are coded, in column order. Their
 * columns are gaps: col_gap[row_ptr[r] .. row_ptr[r + 1]) holds, per entry, its distance to the
 * previous entry minus one (the first counts from column −1), or the width's maximum as a filler
 * that advances the column by that much and carries no codeword. Each output is
 * row_scale[r]·(Σ_p (symbols[s_p] − implicit)·x_{col_p} + implicit·Σ_j x_j).
 */
TERSOR_API void tersor_sham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream,
                                   const void *row_bit, int32_t row_bit_width, const void *symbols,
                                   const void *decode_table, float implicit,
                                   const void *col_gap, int32_t col_gap_width,
                                   const void *row_ptr, int32_t row_ptr_width, const void *row_scale,
                                   const void *x, void *y, int32_t row_start, int32_t row_end);

/*
 * XOR-gate encrypted (Kwon et al.): `planes` q bit-planes of the care entries' indices; each row,
 * plane and slice of `slice_bits` N_out columns is one `word_bits`-bit N_in word of `words` (u64,
 * one LSB-first bit stream; word (r·q + p)·⌈cols / N_out⌉ + s), expanded by the byte-sliced tables
 * decode_table (i64, ⌈N_in / 8⌉·256) into N_out plane bits. patch_ptr[rows + 1] and patches: per
 * row, ascending col·q + plane of the care bits to flip. The care columns of a row are Rice-coded
 * gaps (parameter rice_bits) in mask (u32, MSB-first) from mask_row_bit[r] to mask_row_bit[r + 1].
 * omega f32[1 + K]: omega[0] the implicit value, omega[1 + i] the value of index i. Each output is
 * row_scale[r]·(Σ_care (omega[1 + index] − omega[0])·x_col + omega[0]·Σ_j x_j).
 */
TERSOR_API void tersor_xor_matmul(int32_t rows, int32_t cols, int32_t batch, int32_t planes,
                                  int32_t word_bits, int32_t slice_bits, const void *decode_table,
                                  const void *words, const void *omega,
                                  const void *patch_ptr, int32_t patch_ptr_width,
                                  const void *patches, int32_t patches_width,
                                  const void *mask, const void *mask_row_bit, int32_t mask_row_bit_width,
                                  int32_t rice_bits, const void *row_scale,
                                  const void *x, void *y, int32_t row_start, int32_t row_end);

/*
 * Per-row bit-packed: row_bits u8[rows] (0..16; 0 is a row of zeros that stores nothing);
 * row_scale f32[rows]; row_ptr[rows + 1] the first u32 word of each row in data, whose values lie
 * as dev.tersor.kernels.bitpack.BitpackRows describes. Each output is row_scale[r]·Σ_j q_rj·x_j.
 */
TERSOR_API void tersor_bitpack_matmul(int32_t rows, int32_t cols, int32_t batch, const void *row_bits,
                                      const void *row_scale, const void *row_ptr, int32_t row_ptr_width,
                                      const void *data, const void *x, void *y,
                                      int32_t row_start, int32_t row_end);

/*
 * 8-bit integer rows: codes s8 in panels of sixteen rows, code (r, j) at byte (r / 16)·16·stride +
 * (j / 4)·64 + (r % 16)·4 + j % 4 with stride = cols rounded up to a multiple of 64, each row
 * zero-padded and the last panel padded with zero rows (ceil(rows / 16)·16·stride bytes); row_scale
 * f32[rows]; row_sum i32[rows], Σ_j codes of the row; cols <= 65536. Layout and semantics of
 * dev.tersor.kernels.arrays.Q8Arrays and dev.tersor.kernels.q8.Q8ScalarKernel.
 * int8_activations == 0: each output is row_scale[r]·Σ_j code_rj·x_j, summed in float.
 * int8_activations != 0: each batch column b is first quantized as TokenQuantizer does (m = max |x_j|;
 * q_j = clamp(rint(x_j·(127/m)), −127, 127), scale_b = m/127, in float32; scale 0 and q = 0 when
 * m < 1e-30, scale NaN and q = 0 when the column holds a NaN or an infinity), and each output is
 * ((float) Σ_j code_rj·q_j · row_scale[r]) · scale_b with the sum exact in int32: the same bits on
 * every path.
 */
TERSOR_API void tersor_q8_matmul(int32_t rows, int32_t cols, int32_t batch, const void *codes,
                                 const void *row_scale, const void *row_sum, int32_t int8_activations,
                                 const void *x, void *y, int32_t row_start, int32_t row_end);

#ifdef __cplusplus
}
#endif

#endif
