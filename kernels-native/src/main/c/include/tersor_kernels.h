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
 *  - a float array marked "or NULL" is optional; NULL means the term does not apply.
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

/* Bumped whenever a declaration below changes; the Java bindings refuse a library that differs. */
#define TERSOR_KERNELS_ABI_VERSION 1

/* The library is built with hidden visibility; only what this header declares is exported. */
#if defined(__GNUC__)
#define TERSOR_API __attribute__((visibility("default")))
#else
#define TERSOR_API
#endif

/* TERSOR_KERNELS_ABI_VERSION of the library actually loaded. */
TERSOR_API int32_t tersor_abi_version(void);

/*
 * Name of the instruction-set path the kernels run: "portable", "avx2", "avx512" (x86-64) or
 * "neon" (aarch64). Chosen when the library loads, from the CPU and the optional cap in the
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

#ifdef __cplusplus
}
#endif

#endif
