/*
 * Kernels of the XOR-gate encrypted format (Kwon et al.; layout in dev.tersor.kernels.xor.XorRows).
 * A row's care columns come from its Rice-coded gaps (dev.tersor.kernels.xor.RiceMask); each slice
 * of N_out columns that holds a care column is decoded once: its q encrypted words expand through
 * the byte-sliced tables, T_0[w & 255] ^ T_1[(w >> 8) & 255] ^ …, into q 64-bit plane masks, and
 * the row's patches inside the slice are XORed into them, with no test per entry. A care column's
 * codebook index is then its bit in each plane mask, and it contributes (omega[1 + index] − ω0)·x;
 * pruned entries hold ω0, which enters once per row as ω0·Σx.
 *
 * Decoding is serial within a row and the same on every path; the paths differ in the arithmetic on
 * decoded chunks (decoded.c).
 */
#include "tersor_decoded.h"

#define MAX_PLANES 24

typedef struct {
    tk_row_decoder base;
    const tk_xor_args *a;
    tk_bits bits;          /* the mask */
    int64_t pos, end;      /* the mask bits of the row still to read */
    int64_t col;           /* the last care column decoded */
    int64_t slices;        /* slices per row */
    int64_t row_word;      /* the row's first word: r·q·slices */
    int64_t slice_start, slice_end;
    int64_t pp, pe;        /* the row's patches still to apply */
    float v0;
    uint64_t plane[MAX_PLANES];
} xor_decoder;

static void xor_begin(tk_row_decoder *base, int64_t r) {
    xor_decoder *d = (xor_decoder *) base;
    const tk_xor_args *a = d->a;
    d->pos = tk_get(a->mask_row_bit, r);
    d->end = tk_get(a->mask_row_bit, r + 1);
    tk_bits_seek(&d->bits, d->pos);
    d->pp = tk_get(a->patch_ptr, r);
    d->pe = tk_get(a->patch_ptr, r + 1);
    d->col = -1;
    d->row_word = r * a->planes * d->slices;
    d->slice_start = 0;
    d->slice_end = 0;
}

/* 64 bits of the mask from bit pos, MSB-first; zeros past the end. */
static uint64_t mask_peek(const tk_bits *b, int64_t pos) {
    const int64_t w = pos >> 5;
    const int skip = (int) (pos & 31);
    const uint64_t hi = (tk_bits_word(b, w) << 32) | tk_bits_word(b, w + 1);
    return skip == 0 ? hi : (hi << skip) | (tk_bits_word(b, w + 2) >> (32 - skip));
}

/* A Rice code that does not fit the buffer: a unary run longer than the buffer, or a wide remainder. */
static __attribute__((noinline)) int64_t rice_long(tk_bits *b, int64_t *pos, int k) {
    int64_t quotient = 0;
    for (;;) {
        const int run = tk_clz64(mask_peek(b, *pos));
        quotient += run;
        *pos += run;
        if (run < 64) {
            break;
        }
    }
    *pos += 1;
    const int64_t remainder = k == 0 ? 0 : (int64_t) (mask_peek(b, *pos) >> (64 - k));
    *pos += k;
    tk_bits_seek(b, *pos);
    return quotient << k | remainder;
}

/* Expands the q words of slice s and applies the row's patches inside it. */
static void xor_slice(xor_decoder *d, int64_t s) {
    const tk_xor_args *a = d->a;
    const int q = a->planes, nin = a->word_bits;
    const int tables = (nin + 7) / 8;
    const uint64_t word_mask = nin == 64 ? ~0ull : (1ull << nin) - 1;
    d->slice_start = s * a->slice_bits;
    d->slice_end = d->slice_start + a->slice_bits;
    for (int p = 0; p < q; p++) {
        const int64_t bit = (d->row_word + (int64_t) p * d->slices + s) * nin;
        const int64_t li = bit >> 6;
        const int sh = (int) (bit & 63);
        uint64_t v = tk_u64(a->words, li) >> sh;
        if (sh + nin > 64) {
            v |= tk_u64(a->words, li + 1) << (64 - sh);
        }
        v &= word_mask;
        uint64_t slice = (uint64_t) tk_u64(a->decode_table, (int64_t) (v & 255));
        for (int t = 1; t < tables; t++) {
            slice ^= tk_u64(a->decode_table, 256 * t + (int64_t) ((v >> (8 * t)) & 255));
        }
        d->plane[p] = slice;
    }
    const int64_t limit = d->slice_end * q;
    while (d->pp < d->pe) {
        const int64_t e = tk_get(a->patches, d->pp);
        if (e >= limit) {
            break;
        }
        d->plane[e % q] ^= 1ull << (e / q - d->slice_start);
        d->pp++;
    }
}

/* The codebook index of the care entry at bit j of the current slice, q planes (q < 0: any). */
TK_INLINE int64_t xor_index(const xor_decoder *d, int j, const int q, int planes) {
    if (q >= 0) {
        planes = q;
    }
    int64_t index = 0;
    for (int p = 0; p < planes; p++) {
        index |= (int64_t) ((d->plane[p] >> j) & 1) << p;
    }
    return index;
}

TK_INLINE int xor_decode_k(xor_decoder *d, tk_chunk *chunk, int *done, const int q) {
    const tk_xor_args *a = d->a;
    const int k = a->rice_bits;
    const int planes = a->planes;
    const void *omega = a->omega;
    const float v0 = d->v0;
    tk_bits b = d->bits;
    int64_t pos = d->pos, col = d->col;
    const int64_t end = d->end;
    int n = 0;
    while (n < TK_CHUNK && pos < end) {
        tk_bits_refill(&b);
        const int z = tk_clz64(b.buf);
        const int len = z + 1 + k;
        int64_t gap;
        if (__builtin_expect(len <= b.n && len < 64, 1)) {
            /* the remainder: k bits after the unary run and its one bit; (v >> 1) >> 63 is 0 for k = 0 */
            gap = (int64_t) z << k | (int64_t) (((b.buf << (z + 1)) >> 1) >> (63 - k));
            tk_bits_skip(&b, len);
            pos += len;
        } else {
            gap = rice_long(&b, &pos, k);
        }
        col += gap + 1;
        if (planes > 0 && col >= d->slice_end) {
            xor_slice(d, col / a->slice_bits);
        }
        const int64_t index = planes > 0 ? xor_index(d, (int) (col - d->slice_start), q, planes) : 0;
        chunk->col[n] = (int32_t) col;
        chunk->w[n] = tk_f32(omega, 1 + index) - v0;
        n++;
    }
    d->bits = b;
    d->pos = pos;
    d->col = col;
    *done = pos >= end;
    return n;
}

static int xor_decode(tk_row_decoder *base, tk_chunk *chunk, int *done) {
    xor_decoder *d = (xor_decoder *) base;
    switch (d->a->planes) {
        case 0:
        case 1: return xor_decode_k(d, chunk, done, 1);
        case 2: return xor_decode_k(d, chunk, done, 2);
        case 3: return xor_decode_k(d, chunk, done, 3);
        case 4: return xor_decode_k(d, chunk, done, 4);
        default: return xor_decode_k(d, chunk, done, -1);
    }
}

static void xor_kernel(const tk_xor_args *a, const tk_apply *ap) {
    xor_decoder d;
    d.a = a;
    d.base.begin = xor_begin;
    d.base.decode = xor_decode;
    d.slices = ((int64_t) a->cols + a->slice_bits - 1) / a->slice_bits;
    const int64_t mask_bits = a->rows == 0 ? 0 : tk_get(a->mask_row_bit, a->rows);
    tk_bits_init(&d.bits, a->mask, (mask_bits + 31) >> 5, 0);
    d.v0 = tk_f32(a->omega, 0);
    tk_decoded_rows(ap, &d.base, a->cols, a->batch, a->x, a->y, d.v0, a->row_scale, a->row_start, a->row_end);
}

TK_DECODED_KERNELS(xor, tk_xor_args, xor_kernel)
