/*
 * What the formats whose rows must be decoded serially share (HAM, sHAM, XOR, bit-packed): a reader
 * of MSB-first bit streams in u32 words and the products of decoded rows. A row is decoded once, a
 * chunk of (column, weight) entries at a time, and every chunk is applied to all batch columns
 * before the next is decoded; the weight of an entry is its value minus the implicit value, which
 * enters once per row as ω0·Σx (Decision 3).
 */
#ifndef TERSOR_DECODED_H
#define TERSOR_DECODED_H

#include "tersor_internal.h"

/* ---------------------------------------------------------------------------------------------- */
/* MSB-first bit streams in u32 words (Huffman streams, the XOR format's Rice-coded mask). */

/*
 * A left-aligned buffer of the next bits: the top `n` bits of `buf` are valid and the rest are zero.
 * Words are loaded one at a time; a word past the end of the stream reads as zero, so a reader may
 * look ahead of the last code without leaving the array.
 */
typedef struct {
    const void *words;
    int64_t count; /* words in the stream */
    int64_t next;  /* the next word to load */
    uint64_t buf;
    int n;
} tk_bits;

TK_INLINE uint64_t tk_bits_word(const tk_bits *b, int64_t i) {
    return i < b->count ? (uint64_t) tk_u32(b->words, i) : 0;
}

/* Positions the reader at bit `pos`; at least 33 bits are then valid. */
TK_INLINE void tk_bits_seek(tk_bits *b, int64_t pos) {
    const int64_t w = pos >> 5;
    const int skip = (int) (pos & 31);
    b->buf = ((tk_bits_word(b, w) << 32) | tk_bits_word(b, w + 1)) << skip;
    b->n = 64 - skip;
    b->next = w + 2;
}

TK_INLINE void tk_bits_init(tk_bits *b, const void *words, int64_t count, int64_t pos) {
    b->words = words;
    b->count = count;
    tk_bits_seek(b, pos);
}

/* At least 32 valid bits afterwards. */
TK_INLINE void tk_bits_refill(tk_bits *b) {
    if (b->n < 32) {
        b->buf |= tk_bits_word(b, b->next++) << (32 - b->n);
        b->n += 32;
    }
}

/* Drops the next k bits, 0 <= k <= n and k < 64. */
TK_INLINE void tk_bits_skip(tk_bits *b, int k) {
    b->buf <<= k;
    b->n -= k;
}

/* Leading zeros of a 64-bit word; 64 for zero. */
TK_INLINE int tk_clz64(uint64_t v) {
    return v == 0 ? 64 : __builtin_clzll(v);
}

/* ---------------------------------------------------------------------------------------------- */
/* Products of decoded rows. */

/* Entries decoded at a time: 2 KiB of stack. */
#define TK_CHUNK 256
/* Batch columns per pass over the rows; a larger batch decodes every row once per pass. */
#define TK_SUPER 256

typedef struct {
    int32_t col[TK_CHUNK];
    float w[TK_CHUNK];
} tk_chunk;

/*
 * A format's row decoder: `begin` positions it at a row, `decode` writes the row's next entries to
 * `chunk` (at most TK_CHUNK, in any order, columns below cols) and sets *done after the last.
 */
typedef struct tk_row_decoder tk_row_decoder;
struct tk_row_decoder {
    void (*begin)(tk_row_decoder *d, int64_t r);
    int (*decode)(tk_row_decoder *d, tk_chunk *chunk, int *done);
};

/* The arithmetic on decoded chunks, one table per instruction-set path. */
typedef struct {
    /* Σ_i w[i]·x[col[i]] over the first n entries. */
    float (*dot)(const tk_chunk *c, int n, const void *x);
    /*
     * For batch columns [b0, b0 + nb), nb <= TK_SUPER: acc = (first ? 0 : Y[yo + b]) + Σ_i w[i]·X[col[i]][b];
     * Y[yo + b] = last ? (acc + implicit·colsum[b − b0])·scale : acc.
     */
    void (*block)(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, int nb, void *y, int64_t yo,
                  int first, int last, float implicit, const float *colsum, float scale);
    /* Σ_j x[j] over n inputs. */
    float (*sum)(const void *x, int64_t n);
    /* out[b] = Σ_j X[j][b0 + b] for b < nb; out has room for TK_SUPER, the rest set to 0. */
    void (*colsum)(const void *x, int64_t cols, int64_t batch, int64_t b0, int nb, float *out);
} tk_apply;

extern const tk_apply TK_APPLY_PORTABLE;
#ifdef TK_X86
extern const tk_apply TK_APPLY_AVX2;
#endif
#ifdef TK_NEON_PATH
extern const tk_apply TK_APPLY_NEON;
#endif

/* y_r = (Σ decoded w·x + implicit·Σx)·scale_r for r in [row_start, row_end), any batch. */
void tk_decoded_rows(const tk_apply *ap, tk_row_decoder *d, int64_t cols, int64_t batch, const void *x, void *y,
                     float implicit, const void *row_scale, int64_t row_start, int64_t row_end);

/*
 * The kernels of one decoded format, one per path the build has: they share the format's decoder
 * and differ only in the chunk arithmetic, so each is driver(a, &TK_APPLY_<path>).
 * TK_DECODED_KERNELS(xor, tk_xor_args, xor_kernel) defines tk_xor_portable and tk_xor_avx2 or
 * tk_xor_neon, with the prototypes TK_FORMATS declares.
 */
#define TK_DECODED_KERNEL(format, args_type, driver, path, apply) \
    void tk_##format##_##path(const args_type *a) {              \
        driver(a, &apply);                                        \
    }
#ifdef TK_X86
#define TK_DECODED_KERNEL_AVX2(format, args_type, driver) \
    TK_DECODED_KERNEL(format, args_type, driver, avx2, TK_APPLY_AVX2)
#else
#define TK_DECODED_KERNEL_AVX2(format, args_type, driver)
#endif
#ifdef TK_NEON_PATH
#define TK_DECODED_KERNEL_NEON(format, args_type, driver) \
    TK_DECODED_KERNEL(format, args_type, driver, neon, TK_APPLY_NEON)
#else
#define TK_DECODED_KERNEL_NEON(format, args_type, driver)
#endif
#define TK_DECODED_KERNELS(format, args_type, driver)                                \
    TK_DECODED_KERNEL(format, args_type, driver, portable, TK_APPLY_PORTABLE)        \
    TK_DECODED_KERNEL_AVX2(format, args_type, driver)                                \
    TK_DECODED_KERNEL_NEON(format, args_type, driver)

#endif
