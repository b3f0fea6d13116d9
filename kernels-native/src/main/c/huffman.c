/*
 * Kernels of the Huffman-coded formats, HAM and sHAM (Marinò et al.): rows of canonical codewords,
 * MSB-first in u32 words, decoded on the fly through the first-level lookup of the code's decode
 * table (methods brief §2.4, Decision 5) and never materialized beyond one chunk of entries.
 *
 *  - HAM codes every entry. Symbol 0 has the all-zeros codeword of the shortest length and, by
 *    canonical order, is the most frequent value ω0; a run of z leading zero bits is ⌊z/shortest⌋
 *    entries of ω0, skipped with one leading-zero count. The other entries become (column,
 *    value − ω0) and ω0 enters once per row as ω0·Σx (Decision 3).
 *  - sHAM codes only the entries that differ from the implicit value; their columns are gaps
 *    (dev.tersor.kernels.sham.ShamRows), read alongside the codewords.
 *
 * Decoding is serial within a row and the same on every path; the paths differ in the arithmetic on
 * decoded chunks (decoded.c).
 */
#include "tersor_decoded.h"

/* ---------------------------------------------------------------------------------------------- */
/* Canonical Huffman codes through the decode table of dev.tersor.kernels.huffman.DecodeTable. */

typedef struct {
    int max_len;     /* L: the longest code; 0 for a one-symbol alphabet, which has no bits */
    int lookup_bits; /* t: bits the first-level lookup resolves */
    const void *limit, *offset, *lookup;
    int shortest;    /* length of the all-zeros codeword, which is symbol 0 */
} code_table;

TK_INLINE code_table code_view(const void *table) {
    code_table h;
    h.max_len = tk_i32(table, 0);
    h.lookup_bits = tk_i32(table, 1);
    h.limit = (const char *) table + 4 * 2;
    h.offset = (const char *) table + 4 * (2 + h.max_len + 2);
    h.lookup = (const char *) table + 4 * (2 + 2 * (h.max_len + 2));
    h.shortest = 0;
    if (h.max_len > 0) {
        h.shortest = 1;
        while (tk_i32(h.limit, h.shortest) == 0) {
            h.shortest++;
        }
    }
    return h;
}

/* Codewords longer than the lookup width: scan `limit` upward from the shortest length possible. */
static __attribute__((noinline)) int64_t long_symbol(const code_table *h, tk_bits *b, int32_t e) {
    const int32_t window = (int32_t) (b->buf >> (64 - h->max_len));
    int len = -e;
    while (window >= tk_i32(h->limit, len)) {
        len++;
    }
    tk_bits_skip(b, len);
    return tk_i32(h->offset, len) + (window >> (h->max_len - len));
}

/* The next symbol; needs max_len >= 1 and at least max_len valid bits. */
TK_INLINE int64_t next_symbol(const code_table *h, tk_bits *b) {
    const int32_t e = tk_i32(h->lookup, (int64_t) (b->buf >> (64 - h->lookup_bits)));
    if (__builtin_expect(e >= 0, 1)) {
        tk_bits_skip(b, e & 31);
        return e >> 5;
    }
    return long_symbol(h, b, e);
}

typedef struct {
    tk_row_decoder base;
    const tk_huffman_args *a;
    code_table h;
    tk_bits bits;
    float v0;        /* the implicit value, subtracted from every decoded value */
    uint32_t magic;  /* ⌊z / shortest⌋ = (z·magic) >> 16 for z < 64 (HAM) */
    int64_t col;     /* HAM: the next column; sHAM: the last column decoded */
    int64_t p, end;  /* sHAM: the row's gap entries still to read */
    int64_t escape;  /* sHAM: the gap width's maximum, a filler that only advances the column */
} huffman_decoder;

static void huffman_init(huffman_decoder *d, const tk_huffman_args *a) {
    d->a = a;
    d->h = code_view(a->decode_table);
    const int64_t bits = a->rows == 0 ? 0 : tk_get(a->row_bit, a->rows);
    tk_bits_init(&d->bits, a->stream, (bits + 31) >> 5, 0);
    /* 2^16/s rounded up is exact for every z < 64 and s <= 24: the error z/2^16 stays below 1/s. */
    d->magic = d->h.shortest > 0 ? (65536u / (uint32_t) d->h.shortest) + 1 : 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* HAM. */

static void ham_begin(tk_row_decoder *base, int64_t r) {
    huffman_decoder *d = (huffman_decoder *) base;
    tk_bits_seek(&d->bits, tk_get(d->a->row_bit, r));
    d->col = 0;
}

/*
 * Each step skips a run of symbol 0, capped so that a whole codeword stays in the buffer, then
 * decodes one codeword. A run cut short by the cap decodes symbol 0 through the table, which then
 * weighs nothing and is not stored.
 */
TK_INLINE int ham_decode_k(huffman_decoder *d, tk_chunk *chunk, int *done, const int unit_zero) {
    const code_table *h = &d->h;
    tk_bits b = d->bits;
    const int64_t cols = d->a->cols;
    const void *symbols = d->a->symbols;
    const float v0 = d->v0;
    const int shortest = h->shortest;
    const uint32_t magic = d->magic;
    int64_t j = d->col;
    int n = 0;
    while (n < TK_CHUNK && j < cols) {
        tk_bits_refill(&b);
        int z = tk_clz64(b.buf);
        const int cap = b.n - h->max_len;
        z = z < cap ? z : cap;
        int64_t run = unit_zero ? z : (int64_t) (((uint32_t) z * magic) >> 16);
        run = run < cols - j ? run : cols - j;
        tk_bits_skip(&b, (int) run * shortest);
        j += run;
        if (j == cols) {
            break;
        }
        const int64_t s = next_symbol(h, &b);
        chunk->col[n] = (int32_t) j;
        chunk->w[n] = tk_f32(symbols, s) - v0;
        n += s != 0;
        j++;
    }
    d->bits = b;
    d->col = j;
    *done = j == cols;
    return n;
}

static int ham_decode(tk_row_decoder *base, tk_chunk *chunk, int *done) {
    huffman_decoder *d = (huffman_decoder *) base;
    return d->h.shortest == 1 ? ham_decode_k(d, chunk, done, 1) : ham_decode_k(d, chunk, done, 0);
}

/* A one-symbol code has no bits: every entry is ω0, which the implicit term covers. */
static int ham_decode_constant(tk_row_decoder *base, tk_chunk *chunk, int *done) {
    (void) base;
    (void) chunk;
    *done = 1;
    return 0;
}

static void ham(const tk_huffman_args *a, const tk_apply *ap) {
    huffman_decoder d;
    huffman_init(&d, a);
    /* Symbols exist whenever the matrix has entries; an empty one multiplies nothing. */
    d.v0 = a->rows > 0 && a->cols > 0 ? tk_f32(a->symbols, 0) : 0.0f;
    d.base.begin = ham_begin;
    d.base.decode = d.h.max_len == 0 ? ham_decode_constant : ham_decode;
    tk_decoded_rows(ap, &d.base, a->cols, a->batch, a->x, a->y, d.v0, a->row_scale, a->row_start, a->row_end);
}

/* ---------------------------------------------------------------------------------------------- */
/* sHAM. */

static void sham_begin(tk_row_decoder *base, int64_t r) {
    huffman_decoder *d = (huffman_decoder *) base;
    if (d->h.max_len > 0) {
        tk_bits_seek(&d->bits, tk_get(d->a->row_bit, r));
    }
    d->p = tk_get(d->a->row_ptr, r);
    d->end = tk_get(d->a->row_ptr, r + 1);
    d->col = -1;
}

/* gw: the gap width in bytes; coded: whether codewords have bits (a one-symbol code has none). */
TK_INLINE int sham_decode_k(huffman_decoder *d, tk_chunk *chunk, int *done, const int32_t gw, const int coded) {
    const code_table *h = &d->h;
    tk_bits b = d->bits;
    const void *gaps = d->a->col_gap.data;
    const void *symbols = d->a->symbols;
    const float v0 = d->v0;
    const int64_t escape = d->escape, end = d->end;
    int64_t p = d->p, col = d->col;
    int n = 0;
    while (n < TK_CHUNK && p < end) {
        const int64_t e = tk_at(gaps, gw, p++);
        if (__builtin_expect(e == escape, 0)) {
            col += escape;
            continue;
        }
        col += e + 1;
        int64_t s = 0;
        if (coded) {
            tk_bits_refill(&b);
            s = next_symbol(h, &b);
        }
        chunk->col[n] = (int32_t) col;
        chunk->w[n] = tk_f32(symbols, s) - v0;
        n++;
    }
    d->bits = b;
    d->p = p;
    d->col = col;
    *done = p == end;
    return n;
}

static int sham_decode(tk_row_decoder *base, tk_chunk *chunk, int *done) {
    huffman_decoder *d = (huffman_decoder *) base;
    const int coded = d->h.max_len > 0;
    switch (d->a->col_gap.width) {
        case 1: return coded ? sham_decode_k(d, chunk, done, 1, 1) : sham_decode_k(d, chunk, done, 1, 0);
        case 2: return coded ? sham_decode_k(d, chunk, done, 2, 1) : sham_decode_k(d, chunk, done, 2, 0);
        default: return coded ? sham_decode_k(d, chunk, done, 4, 1) : sham_decode_k(d, chunk, done, 4, 0);
    }
}

static void sham(const tk_huffman_args *a, const tk_apply *ap) {
    huffman_decoder d;
    huffman_init(&d, a);
    d.v0 = a->implicit;
    d.escape = a->col_gap.width == 1 ? 0xFF : a->col_gap.width == 2 ? 0xFFFF : 0xFFFFFFFFLL;
    d.base.begin = sham_begin;
    d.base.decode = sham_decode;
    tk_decoded_rows(ap, &d.base, a->cols, a->batch, a->x, a->y, a->implicit, a->row_scale, a->row_start, a->row_end);
}

/* ---------------------------------------------------------------------------------------------- */
/* The paths: one decoder, each path's arithmetic. */

TK_DECODED_KERNELS(ham, tk_huffman_args, ham)
TK_DECODED_KERNELS(sham, tk_huffman_args, sham)
