/*
 * What the kernel sources share: argument blocks, unaligned loads, and the table of instruction-set
 * paths. Not installed; the C tests include it to reach every path directly.
 */
#ifndef TERSOR_INTERNAL_H
#define TERSOR_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "tersor_kernels.h"

#if defined(__x86_64__)
#define TK_X86 1
/* Functions of the AVX2 path; the rest of the file stays at the baseline ISA. */
#define TK_AVX2 __attribute__((target("avx2,fma")))
#endif
#if defined(__aarch64__)
#define TK_NEON_PATH 1
#endif

#define TK_INLINE static inline __attribute__((always_inline))

/* An index array: elements of 1, 2 or 4 bytes. */
typedef struct {
    const void *data;
    int32_t width;
} tk_index;

typedef struct {
    int32_t rows, cols, batch;
    const void *w;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_dense_args;

typedef struct {
    int32_t rows, cols, batch;
    const void *values;
    tk_index col_idx, row_ptr;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_csr_args;

/* CER and CSER; group_value.data is NULL for CER, whose t-th group of a row holds omega[t + 1]. */
typedef struct {
    int32_t rows, cols, batch;
    const void *omega;
    tk_index col_idx, group_value, group_ptr, row_ptr;
    const void *row_scale;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_grouped_args;

/*
 * HAM and sHAM: canonical Huffman codewords, MSB-first in u32 words; decode_table is the i32 table
 * of dev.tersor.kernels.huffman.DecodeTable. HAM codes every entry (col_gap.data == NULL); sHAM only
 * the entries that differ from `implicit`, their columns as gaps.
 */
typedef struct {
    int32_t rows, cols, batch;
    const void *stream;
    tk_index row_bit;
    const void *symbols;
    const void *decode_table;
    float implicit;
    tk_index col_gap, row_ptr;
    const void *row_scale;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_huffman_args;

/* XOR-gate encrypted (layout in dev.tersor.kernels.xor.XorRows); decode_table: i64 byte tables. */
typedef struct {
    int32_t rows, cols, batch;
    int32_t planes, word_bits, slice_bits;
    const void *decode_table;
    const void *words;
    const void *omega;
    tk_index patch_ptr, patches;
    const void *mask;
    tk_index mask_row_bit;
    int32_t rice_bits;
    const void *row_scale;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_xor_args;

/* Per-row bit-packed (layout in dev.tersor.kernels.bitpack.BitpackRows). */
typedef struct {
    int32_t rows, cols, batch;
    const void *row_bits;
    const void *row_scale;
    tk_index row_ptr;
    const void *data;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_bitpack_args;

/* 8-bit integer rows (layout in dev.tersor.kernels.arrays.Q8Arrays): codes in panels of sixteen rows. */
typedef struct {
    int32_t rows, cols, batch;
    const void *codes;
    const void *row_scale;
    const void *row_sum;
    int32_t int8_activations;
    const void *x;
    void *y;
    int32_t row_start, row_end;
} tk_q8_args;

/*
 * Arrays carry no alignment guarantee (slices of a mapped file), so every scalar access goes through
 * memcpy, which compilers turn into one plain load or store.
 */
TK_INLINE float tk_f32(const void *base, int64_t i) {
    float v;
    memcpy(&v, (const char *) base + 4 * i, sizeof v);
    return v;
}

TK_INLINE void tk_set_f32(void *base, int64_t i, float v) {
    memcpy((char *) base + 4 * i, &v, sizeof v);
}

TK_INLINE int32_t tk_i32(const void *base, int64_t i) {
    int32_t v;
    memcpy(&v, (const char *) base + 4 * i, sizeof v);
    return v;
}

TK_INLINE uint64_t tk_u64(const void *base, int64_t i) {
    uint64_t v;
    memcpy(&v, (const char *) base + 8 * i, sizeof v);
    return v;
}

TK_INLINE int64_t tk_u8(const void *base, int64_t i) {
    return ((const uint8_t *) base)[i];
}

TK_INLINE int64_t tk_u16(const void *base, int64_t i) {
    uint16_t v;
    memcpy(&v, (const char *) base + 2 * i, sizeof v);
    return v;
}

TK_INLINE int64_t tk_u32(const void *base, int64_t i) {
    uint32_t v;
    memcpy(&v, (const char *) base + 4 * i, sizeof v);
    return v;
}

/* Element i of an index array whose width is a compile-time constant after inlining. */
TK_INLINE int64_t tk_at(const void *base, int32_t width, int64_t i) {
    return width == 1 ? tk_u8(base, i) : width == 2 ? tk_u16(base, i) : tk_u32(base, i);
}

TK_INLINE int64_t tk_get(tk_index a, int64_t i) {
    return tk_at(a.data, a.width, i);
}

/*
 * Batch columns the portable batched kernels handle at once. A full block is a compile-time constant,
 * so the compiler keeps its accumulators in vector registers; only the last block is shorter.
 */
#define TK_BLOCK 8

/*
 * The one list of kernels: X(isa, kernel, args) for each, in the order of tk_path's fields. It
 * generates those fields, the prototypes of every path's kernels and the rows of the path table in
 * dispatch.c, so a new kernel is one line here (plus its functions, its exported wrapper and its
 * declaration in tersor_kernels.h). CER and CSER share `grouped`; HAM and sHAM share their arguments.
 */
#define TK_FORMATS(X, isa)                \
    X(isa, dense, tk_dense_args)          \
    X(isa, csr, tk_csr_args)              \
    X(isa, grouped, tk_grouped_args)      \
    X(isa, ham, tk_huffman_args)          \
    X(isa, sham, tk_huffman_args)         \
    X(isa, xor, tk_xor_args)              \
    X(isa, bitpack, tk_bitpack_args)      \
    X(isa, q8, tk_q8_args)

#define TK_PATH_FIELD(isa, kernel, args) void (*kernel)(const args *);
#define TK_PROTOTYPE(isa, kernel, args) void tk_##kernel##_##isa(const args *a);

/* One instruction-set path: its kernels, and whether this CPU can run them. */
typedef struct {
    const char *name;
    int (*supported)(void);
    TK_FORMATS(TK_PATH_FIELD, any)
} tk_path;

/* Every path of this build, slowest first; the first is the portable one. */
const tk_path *tk_paths(int *count);

/* Kernels of each path, one source file per format family. */
TK_FORMATS(TK_PROTOTYPE, portable)
#ifdef TK_X86
TK_FORMATS(TK_PROTOTYPE, avx2)
#endif
#ifdef TK_NEON_PATH
TK_FORMATS(TK_PROTOTYPE, neon)
#endif

/*
 * Paths that add an instruction set only a few kernels use: every other field of their rows is the
 * AVX2 (or NEON) kernel. "avx512" has its own dense kernel; the integer-dot-product paths add their
 * q8 kernel ("avx512-vnni" on top of "avx512").
 */
#ifdef TK_X86
void tk_dense_avx512(const tk_dense_args *a); /* "avx512": zmm FMA tiles */
void tk_q8_avxvnni(const tk_q8_args *a);      /* "avx-vnni": VEX vpdpbusd ymm */
void tk_q8_avx512vnni(const tk_q8_args *a);   /* "avx512-vnni": vpdpbusd zmm */
#endif
#ifdef TK_NEON_PATH
void tk_q8_neondot(const tk_q8_args *a);     /* "neon-dotprod": SDOT */
#endif

/*
 * The batched driver of the portable kernels: block(args…, b, n) for batch columns [b, b + n), n =
 * TK_BLOCK (a compile-time constant, so the block's accumulators stay in registers) for all but the
 * last block.
 */
#define TK_PORTABLE_BATCHED(total, block, ...)                  \
    do {                                                        \
        int64_t tk_b = 0;                                       \
        for (; tk_b + TK_BLOCK <= (total); tk_b += TK_BLOCK) {  \
            block(__VA_ARGS__, tk_b, TK_BLOCK);                 \
        }                                                       \
        if (tk_b < (total)) {                                   \
            block(__VA_ARGS__, tk_b, (total) - tk_b);           \
        }                                                       \
    } while (0)

/*
 * Calls fn(args…, R) with R a compile-time constant equal to n, for 1 <= n <= 8 or 12: the row count
 * of a register block, so each count gets its own fully unrolled copy.
 */
#define TK_ROWS_UP_TO_8(n, fn, ...)                                                              \
    switch (n) {                                                                                 \
        case 1: fn(__VA_ARGS__, 1); break; case 2: fn(__VA_ARGS__, 2); break;                    \
        case 3: fn(__VA_ARGS__, 3); break; case 4: fn(__VA_ARGS__, 4); break;                    \
        case 5: fn(__VA_ARGS__, 5); break; case 6: fn(__VA_ARGS__, 6); break;                    \
        case 7: fn(__VA_ARGS__, 7); break; default: fn(__VA_ARGS__, 8); break;                   \
    }
#define TK_ROWS_UP_TO_12(n, fn, ...)                                                             \
    switch (n) {                                                                                 \
        case 1: fn(__VA_ARGS__, 1); break;   case 2: fn(__VA_ARGS__, 2); break;                  \
        case 3: fn(__VA_ARGS__, 3); break;   case 4: fn(__VA_ARGS__, 4); break;                  \
        case 5: fn(__VA_ARGS__, 5); break;   case 6: fn(__VA_ARGS__, 6); break;                  \
        case 7: fn(__VA_ARGS__, 7); break;   case 8: fn(__VA_ARGS__, 8); break;                  \
        case 9: fn(__VA_ARGS__, 9); break;   case 10: fn(__VA_ARGS__, 10); break;                \
        case 11: fn(__VA_ARGS__, 11); break; default: fn(__VA_ARGS__, 12); break;                \
    }

/*
 * Calls fn(args…, w) with the index width w (1, 2 or 4 bytes) as a compile-time constant, so that
 * every width gets its own inlined copy of the kernel with a fixed-size load.
 */
#define TK_BY_WIDTH(width, fn, ...)          \
    switch (width) {                         \
        case 1: fn(__VA_ARGS__, 1); break;   \
        case 2: fn(__VA_ARGS__, 2); break;   \
        default: fn(__VA_ARGS__, 4); break;  \
    }

/*
 * The sum of x[0 .. n), in eight lanes combined pairwise: the implicit value's ω0·Σx term. Every
 * kernel of a path sums with the same helper, so the term has the same bits in every format.
 */
static inline float tk_sum_portable(const void *x, int64_t n) {
    float s[8] = {0};
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int l = 0; l < 8; l++) {
            s[l] += tk_f32(x, j + l);
        }
    }
    float acc = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; j < n; j++) {
        acc += tk_f32(x, j);
    }
    return acc;
}

#endif
