/*
 * C unit tests of the native kernels: every kernel of every instruction-set path this CPU supports,
 * called through the public entry points, against a double-precision scalar reference computed from
 * the format's own arrays. Random shapes, densities, value counts, batches, row ranges, index widths
 * (any width that holds the values, not only the narrowest) and misaligned arrays, after a list of
 * edge cases: empty shapes, one column, empty rows, all-zero and full matrices, a non-zero implicit
 * value, fewer than eight stored entries.
 *
 * Results must be exact on small-integer data and within (n + 8)·2^-23·Σ|terms| otherwise; rows
 * outside the range must keep their bits. Arrays are allocated at their exact size, so under
 * AddressSanitizer any read past an array fails the test.
 *
 *   tersor_kernels_test [--cases N] [--seed S] [--expect-isa NAME] [--q8-bench]
 *
 * --expect-isa checks the path chosen when the library loaded (from TERSOR_NATIVE_ISA) and runs
 * the dispatch checks; --cases 0 skips the kernel cases. --q8-bench prints the int8 q8 kernel's speed
 * on every supported path (indicative) and tests nothing.
 *
 * q8 (8-bit rows) is checked separately: with int8 activations every path must give the bits of an
 * independent reference (TokenQuantizer written with rintf, an int64 sum) and of the portable path,
 * over the shapes cols {1, 3, 63, 64, 65, 384, 1536, 4097} × rows {1, 5, 17} × batch {1, 2, 7, 9, 33, 130},
 * rows of 0 and past one 32 KiB chunk, codes at −128 and 127, columns holding a NaN, an infinity, only
 * zeros, only tiny values or ties at scale 1; float activations within the bound above.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tersor_internal.h"

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, "\n");                                                                \
            if (++failures >= 20) {                                                               \
                fprintf(stderr, "too many failures\n");                                           \
                exit(1);                                                                          \
            }                                                                                     \
        }                                                                                         \
    } while (0)

/* ---------------------------------------------------------------------------------------------- */
/* Random numbers (splitmix64) and buffers. */

static uint64_t rng;

static uint64_t next_u64(void) {
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t uniform(int64_t lo, int64_t hi) {
    return lo + (int64_t) (next_u64() % (uint64_t) (hi - lo + 1));
}

static double unit(void) {
    return (double) (next_u64() >> 11) * 0x1.0p-53;
}

/* Buffers of one case, freed together. Each array sits at an offset of 0 to 3 bytes inside a block
 * of exactly offset + size bytes, so arrays are often misaligned and never followed by slack. */
#define MAX_BUFFERS 160
static void *blocks[MAX_BUFFERS];
static int block_count;
static int misalign;

static void *allocate(size_t bytes, size_t offset) {
    char *block = malloc(offset + bytes + (offset + bytes == 0));
    if (block == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (block_count == MAX_BUFFERS) {
        fprintf(stderr, "too many buffers\n");
        exit(2);
    }
    blocks[block_count++] = block;
    return block + offset;
}

/* An array the kernels read or write: misaligned when `misalign` is set; accessed via getf/setf. */
static void *buffer(size_t bytes) {
    return allocate(bytes, misalign ? (size_t) uniform(0, 3) : 0);
}

/* The test's own working arrays, always aligned. */
static void *scratch(size_t bytes) {
    return allocate(bytes, 0);
}

static void *input_copy(const void *src, size_t bytes) {
    void *copy = buffer(bytes);
    if (bytes > 0) {
        memcpy(copy, src, bytes);
    }
    return copy;
}

static void free_buffers(void) {
    for (int i = 0; i < block_count; i++) {
        free(blocks[i]);
    }
    block_count = 0;
}

static float getf(const void *a, int64_t i) {
    float v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static void setf(void *a, int64_t i, float v) {
    memcpy((char *) a + 4 * i, &v, 4);
}

static uint32_t bits_at(const void *a, int64_t i) {
    uint32_t v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static int64_t get_index(const void *a, int32_t width, int64_t i) {
    if (width == 1) {
        return ((const uint8_t *) a)[i];
    }
    if (width == 2) {
        uint16_t v;
        memcpy(&v, (const char *) a + 2 * i, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static void set_index(void *a, int32_t width, int64_t i, int64_t value) {
    if (width == 1) {
        uint8_t v = (uint8_t) value;
        memcpy((char *) a + i, &v, 1);
    } else if (width == 2) {
        uint16_t v = (uint16_t) value;
        memcpy((char *) a + 2 * i, &v, 2);
    } else {
        uint32_t v = (uint32_t) value;
        memcpy((char *) a + 4 * i, &v, 4);
    }
}

/* A width that holds max: the narrowest or, at random, a wider one (kernels accept any). */
static int32_t some_width(int64_t max) {
    const int32_t narrowest = max <= 0xFF ? 1 : max <= 0xFFFF ? 2 : 4;
    const int32_t widths[] = {1, 2, 4};
    int32_t w;
    do {
        w = widths[uniform(0, 2)];
    } while (w < narrowest);
    return uniform(0, 1) ? narrowest : w;
}

static void *index_array(int64_t count, int32_t width) {
    return buffer((size_t) (count * width));
}

/* ---------------------------------------------------------------------------------------------- */
/* Test matrices: codes into omega (0 is the implicit value), optional row scales. */

typedef struct {
    int32_t rows, cols, batch, k;
    double density;
    int nonzero_implicit, scaled, integers;
} spec;

typedef struct {
    spec s;
    float *omega;  /* k values */
    int32_t *code; /* rows·cols */
    float *scale;  /* rows, or NULL */
    float *w;      /* the dense matrix, omega[code]·scale */
    float *x;      /* cols·batch */
    /* The same arrays as the kernels get them, possibly misaligned. */
    const void *omega_in, *scale_in, *w_in, *x_in;
    int32_t row_start, row_end;
} matrix;

static float random_value(int integers) {
    return integers ? (float) uniform(-4, 4) : (float) (2 * unit() - 1);
}

static matrix make_matrix(spec s) {
    matrix m = {0};
    m.s = s;
    m.omega = scratch(4 * (size_t) s.k);
    m.omega[0] = s.nonzero_implicit ? (s.integers ? (float) (uniform(0, 1) ? 1 : -2) : 0.25f) : 0.0f;
    for (int t = 1; t < s.k; t++) {
        m.omega[t] = random_value(s.integers);
    }
    m.code = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    m.w = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    m.scale = s.scaled ? scratch(4 * (size_t) s.rows) : NULL;
    for (int32_t r = 0; r < s.rows; r++) {
        const int empty = uniform(0, 9) == 0;
        if (m.scale != NULL) {
            m.scale[r] = s.integers ? ldexpf(uniform(0, 1) ? 1.0f : -1.0f, (int) uniform(-2, 2))
                                    : (float) (0.01 + unit());
        }
        for (int32_t c = 0; c < s.cols; c++) {
            const int stored = !empty && s.k > 1 && unit() < s.density;
            const int32_t t = stored ? (int32_t) uniform(1, s.k - 1) : 0;
            m.code[(int64_t) r * s.cols + c] = t;
            m.w[(int64_t) r * s.cols + c] = m.scale != NULL ? m.omega[t] * m.scale[r] : m.omega[t];
        }
    }
    m.x = scratch(4 * (size_t) s.cols * (size_t) s.batch);
    for (int64_t i = 0; i < (int64_t) s.cols * s.batch; i++) {
        m.x[i] = random_value(s.integers);
    }
    m.omega_in = input_copy(m.omega, 4 * (size_t) s.k);
    m.scale_in = m.scale != NULL ? input_copy(m.scale, 4 * (size_t) s.rows) : NULL;
    m.w_in = input_copy(m.w, 4 * (size_t) s.rows * (size_t) s.cols);
    m.x_in = input_copy(m.x, 4 * (size_t) s.cols * (size_t) s.batch);
    if (s.rows > 0 && uniform(0, 1)) {
        m.row_start = (int32_t) uniform(0, s.rows);
        m.row_end = (int32_t) uniform(m.row_start, s.rows);
    } else {
        m.row_start = 0;
        m.row_end = s.rows;
    }
    return m;
}

/* ---------------------------------------------------------------------------------------------- */
/* The formats' arrays, built from a matrix, and the scalar reference over those arrays. */

typedef struct {
    const void *data;
    int32_t width;
} index_ref;

typedef struct {
    float *values;
    index_ref col_idx, row_ptr;
} csr_arrays;

typedef struct {
    index_ref col_idx, group_value, group_ptr, row_ptr;
    int64_t groups, nnz;
} grouped_arrays;

static csr_arrays make_csr(const matrix *m) {
    const spec s = m->s;
    int64_t nnz = 0;
    for (int64_t i = 0; i < (int64_t) s.rows * s.cols; i++) {
        nnz += m->w[i] != 0;
    }
    csr_arrays a;
    a.values = buffer(4 * (size_t) nnz);
    a.col_idx.width = some_width(s.cols - 1);
    a.row_ptr.width = some_width(nnz);
    void *ci = index_array(nnz, a.col_idx.width);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    int64_t p = 0;
    set_index(rp, a.row_ptr.width, 0, 0);
    for (int32_t r = 0; r < s.rows; r++) {
        for (int32_t c = 0; c < s.cols; c++) {
            const float v = m->w[(int64_t) r * s.cols + c];
            if (v != 0) {
                setf(a.values, p, v);
                set_index(ci, a.col_idx.width, p, c);
                p++;
            }
        }
        set_index(rp, a.row_ptr.width, r + 1, p);
    }
    a.col_idx.data = ci;
    a.row_ptr.data = rp;
    return a;
}

/*
 * CER: a row's t-th group holds omega[t + 1], with empty groups for values it lacks below its
 * largest. CSER: only the values present, their groups in random order, named by group_value.
 */
static grouped_arrays make_grouped(const matrix *m, int explicit_values) {
    const spec s = m->s;
    int64_t nnz = 0, groups = 0;
    int32_t *count = scratch(4 * (size_t) s.k);
    for (int32_t r = 0; r < s.rows; r++) {
        memset(count, 0, 4 * (size_t) s.k);
        int32_t top = 0, present = 0;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            if (t > 0) {
                nnz++;
                present += count[t]++ == 0;
                top = t > top ? t : top;
            }
        }
        groups += explicit_values ? present : top;
    }
    grouped_arrays a;
    a.nnz = nnz;
    a.groups = groups;
    a.col_idx.width = some_width(s.cols - 1);
    a.group_ptr.width = some_width(nnz);
    a.row_ptr.width = some_width(groups);
    a.group_value.width = explicit_values ? some_width(s.k - 1) : 1;
    void *ci = index_array(nnz, a.col_idx.width);
    void *gp = index_array(groups + 1, a.group_ptr.width);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    void *gv = explicit_values ? index_array(groups, a.group_value.width) : NULL;
    int32_t *order = scratch(4 * (size_t) s.k);
    int64_t p = 0, g = 0;
    set_index(gp, a.group_ptr.width, 0, 0);
    set_index(rp, a.row_ptr.width, 0, 0);
    for (int32_t r = 0; r < s.rows; r++) {
        memset(count, 0, 4 * (size_t) s.k);
        int32_t top = 0;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            count[t]++;
            if (t > 0 && t > top) {
                top = t;
            }
        }
        int32_t n = 0;
        for (int32_t t = 1; t <= top; t++) {
            if (!explicit_values || count[t] > 0) {
                order[n++] = t;
            }
        }
        if (explicit_values) {
            for (int32_t i = n - 1; i > 0; i--) {
                const int32_t j = (int32_t) uniform(0, i);
                const int32_t swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        for (int32_t i = 0; i < n; i++) {
            const int32_t t = order[i];
            for (int32_t c = 0; c < s.cols; c++) {
                if (m->code[(int64_t) r * s.cols + c] == t) {
                    set_index(ci, a.col_idx.width, p++, c);
                }
            }
            if (gv != NULL) {
                set_index(gv, a.group_value.width, g, t);
            }
            set_index(gp, a.group_ptr.width, ++g, p);
        }
        set_index(rp, a.row_ptr.width, r + 1, g);
    }
    a.col_idx.data = ci;
    a.group_ptr.data = gp;
    a.row_ptr.data = rp;
    a.group_value.data = gv;
    return a;
}

/* Reference and bound for one output, from one decoded row (scaled weights) and the inputs. */
static void reference(const float *row, int32_t cols, const float *x, int32_t batch, int32_t b,
                      float implicit, double *value, double *bound) {
    double sum = 0, terms = 0, xs = 0;
    for (int32_t j = 0; j < cols; j++) {
        const double xj = x[(int64_t) j * batch + b];
        sum += (double) row[j] * xj;
        terms += fabs((double) row[j] * xj);
        xs += fabs(xj);
    }
    *value = sum;
    *bound = (cols + 8) * 0x1.0p-23 * (terms + 2 * fabs((double) implicit) * xs) + 1e-30;
}

static const uint32_t SENTINEL = 0x7FC0DEADu;

/*
 * y against the reference of the decoded rows; rows outside the range must hold the sentinel.
 * `implicit` is the value the kernel factors out as implicit·Σx (times the row's scale, if any);
 * the bound allows for it.
 */
static void compare(const char *what, const char *path, const matrix *m, const float *decoded,
                    const void *y, float implicit_value, const float *row_scale) {
    const spec s = m->s;
    for (int32_t r = 0; r < s.rows; r++) {
        const float implicit = implicit_value * (row_scale != NULL ? row_scale[r] : 1.0f);
        for (int32_t b = 0; b < s.batch; b++) {
            const int64_t i = (int64_t) r * s.batch + b;
            if (r < m->row_start || r >= m->row_end) {
                CHECK(bits_at(y, i) == SENTINEL, "%s on %s: row %d outside [%d, %d) was written", what, path, r,
                      m->row_start, m->row_end);
                continue;
            }
            double value, bound;
            reference(decoded + (int64_t) r * s.cols, s.cols, m->x, s.batch, b, implicit, &value, &bound);
            const float got = getf(y, i);
            const int ok = s.integers ? (double) got == value : fabs((double) got - value) <= bound;
            CHECK(ok, "%s on %s: %dx%d K=%d d=%.3f batch %d rows [%d,%d)%s%s: y[%d][%d] = %.9g, reference %.9g, bound %.3g",
                  what, path, s.rows, s.cols, s.k, s.density, s.batch, m->row_start, m->row_end,
                  s.nonzero_implicit ? " omega0!=0" : "", s.scaled ? " scaled" : "", r, b, got, value, bound);
        }
    }
}

static void *sentinel_output(const matrix *m) {
    void *y = buffer(4 * (size_t) m->s.rows * (size_t) m->s.batch);
    for (int64_t i = 0; i < (int64_t) m->s.rows * m->s.batch; i++) {
        memcpy((char *) y + 4 * i, &SENTINEL, 4);
    }
    return y;
}

/* The dense rows a CSR layout stands for, read back from its arrays. */
static float *decode_csr(const matrix *m, const csr_arrays *a) {
    const spec s = m->s;
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    memset(d, 0, 4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const int64_t end = get_index(a->row_ptr.data, a->row_ptr.width, r + 1);
        for (int64_t p = get_index(a->row_ptr.data, a->row_ptr.width, r); p < end; p++) {
            d[(int64_t) r * s.cols + get_index(a->col_idx.data, a->col_idx.width, p)] = getf(a->values, p);
        }
    }
    return d;
}

static float *decode_grouped(const matrix *m, const grouped_arrays *a) {
    const spec s = m->s;
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const float scale = m->scale != NULL ? m->scale[r] : 1.0f;
        for (int32_t c = 0; c < s.cols; c++) {
            d[(int64_t) r * s.cols + c] = m->scale != NULL ? m->omega[0] * scale : m->omega[0];
        }
        const int64_t g0 = get_index(a->row_ptr.data, a->row_ptr.width, r);
        const int64_t g1 = get_index(a->row_ptr.data, a->row_ptr.width, r + 1);
        for (int64_t g = g0; g < g1; g++) {
            const int64_t k = a->group_value.data == NULL ? g - g0 + 1
                                                          : get_index(a->group_value.data, a->group_value.width, g);
            const int64_t end = get_index(a->group_ptr.data, a->group_ptr.width, g + 1);
            for (int64_t p = get_index(a->group_ptr.data, a->group_ptr.width, g); p < end; p++) {
                d[(int64_t) r * s.cols + get_index(a->col_idx.data, a->col_idx.width, p)] =
                    m->scale != NULL ? m->omega[k] * scale : m->omega[k];
            }
        }
    }
    return d;
}

/* The test's own encoders must reproduce the matrix, or the comparisons below would prove nothing. */
static void check_decoded(const char *what, const matrix *m, const float *decoded) {
    const int64_t n = (int64_t) m->s.rows * m->s.cols;
    for (int64_t i = 0; i < n; i++) {
        if (memcmp(&decoded[i], &m->w[i], 4) != 0 && !(decoded[i] == 0 && m->w[i] == 0)) {
            CHECK(0, "%s test encoder: entry %lld differs", what, (long long) i);
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Canonical Huffman codes (HAM, sHAM), built here from the matrix's codes. */

/* A code over the matrix codes present in `count`, in canonical order. */
typedef struct {
    int32_t n;        /* symbols */
    int32_t *order;   /* canonical position -> matrix code */
    int32_t *pos;     /* matrix code -> canonical position (k entries), -1 if not coded */
    int32_t *len;     /* per position */
    uint32_t *code;   /* per position */
    int32_t max_len;
    int32_t *table;   /* the decode table, as DecodeTable lays it out */
    int64_t table_ints;
} huff_code;

/* Code lengths: Huffman by repeated merging of the two lightest nodes, or flat, or a chain
 * (1, 2, …, n−1, n−1) that exercises codewords longer than the lookup. */
static void huff_lengths(const int64_t *weight, int32_t n, int mode, int32_t *len) {
    if (n == 1) {
        len[0] = 0;
        return;
    }
    if (mode == 2 && n <= 25) {
        for (int32_t i = 0; i < n; i++) {
            len[i] = i < n - 1 ? i + 1 : n - 1;
        }
        return;
    }
    int32_t flat = 1;
    while ((1 << flat) < n) {
        flat++;
    }
    if (mode == 1) {
        for (int32_t i = 0; i < n; i++) {
            len[i] = flat;
        }
        return;
    }
    int64_t *w = scratch(8 * (size_t) (2 * n));
    int32_t *parent = scratch(4 * (size_t) (2 * n));
    char *merged = scratch((size_t) (2 * n));
    for (int32_t i = 0; i < n; i++) {
        w[i] = weight[i];
    }
    memset(merged, 0, (size_t) (2 * n));
    int32_t nodes = n;
    for (int32_t step = 0; step < n - 1; step++) {
        int32_t a = -1, b = -1;
        for (int32_t i = 0; i < nodes; i++) {
            if (merged[i]) {
                continue;
            }
            if (a < 0 || w[i] < w[a]) {
                b = a;
                a = i;
            } else if (b < 0 || w[i] < w[b]) {
                b = i;
            }
        }
        merged[a] = merged[b] = 1;
        w[nodes] = w[a] + w[b];
        parent[a] = parent[b] = nodes;
        nodes++;
    }
    int32_t longest = 0;
    for (int32_t i = 0; i < n; i++) {
        int32_t depth = 0;
        for (int32_t v = i; v != nodes - 1; v = parent[v]) {
            depth++;
        }
        len[i] = depth;
        longest = depth > longest ? depth : longest;
    }
    if (longest > 24) {
        for (int32_t i = 0; i < n; i++) {
            len[i] = flat;
        }
    }
}

/* The decode table of dev.tersor.kernels.huffman.DecodeTable, from the lengths of a canonical code. */
static void huff_table(huff_code *h) {
    const int32_t L = h->max_len;
    const int32_t t = L < 10 ? L : 10;
    h->table_ints = 2 + 2 * (L + 2) + ((int64_t) 1 << t);
    int32_t *table = buffer(4 * (size_t) h->table_ints);
    int32_t tab[2 + 2 * 26 + 1024];
    const int32_t limit = 2, offset = 2 + L + 2, lookup = 2 + 2 * (L + 2);
    tab[0] = L;
    tab[1] = t;
    if (L == 0) {
        tab[limit] = 1;
        tab[limit + 1] = 1;
        tab[offset] = 0;
        tab[offset + 1] = -(1 << 30);
        tab[lookup] = 0;
    } else {
        int64_t count[26] = {0};
        for (int32_t p = 0; p < h->n; p++) {
            count[h->len[p]]++;
        }
        int64_t code = 0, symbol = 0;
        tab[limit] = 0;
        tab[offset] = -(1 << 30);
        for (int32_t l = 1; l <= L; l++) {
            code <<= 1;
            tab[offset + l] = (int32_t) (symbol - code);
            code += count[l];
            symbol += count[l];
            tab[limit + l] = (int32_t) (code << (L - l));
        }
        tab[limit + L + 1] = 1 << L;
        tab[offset + L + 1] = -(1 << 30);
        for (int32_t prefix = 0; prefix < (1 << t); prefix++) {
            const int32_t low = prefix << (L - t);
            int32_t l = 1;
            while (l <= L && low >= tab[limit + l]) {
                l++;
            }
            tab[lookup + prefix] = l <= t ? (tab[offset + l] + (low >> (L - l))) << 5 | l : -l;
        }
    }
    memcpy(table, tab, 4 * (size_t) h->table_ints);
    h->table = table;
}

/* A canonical code over the matrix codes with count > 0 other than `skip` (−1: none). */
static huff_code make_huff(const matrix *m, int32_t skip) {
    const spec s = m->s;
    huff_code h = {0};
    int64_t *count = scratch(8 * (size_t) s.k);
    memset(count, 0, 8 * (size_t) s.k);
    for (int64_t i = 0; i < (int64_t) s.rows * s.cols; i++) {
        count[m->code[i]]++;
    }
    h.order = scratch(4 * (size_t) s.k);
    h.pos = scratch(4 * (size_t) s.k);
    h.len = scratch(4 * (size_t) s.k);
    h.code = scratch(4 * (size_t) s.k);
    int64_t *weight = scratch(8 * (size_t) s.k);
    for (int32_t c = 0; c < s.k; c++) {
        h.pos[c] = -1;
        if (count[c] > 0 && c != skip) {
            h.order[h.n++] = c;
        }
    }
    /* by decreasing count, so that symbol 0 is the most frequent, as the Java encoder orders them */
    for (int32_t i = 1; i < h.n; i++) {
        for (int32_t j = i; j > 0 && count[h.order[j]] > count[h.order[j - 1]]; j--) {
            const int32_t swap = h.order[j];
            h.order[j] = h.order[j - 1];
            h.order[j - 1] = swap;
        }
    }
    for (int32_t i = 0; i < h.n; i++) {
        weight[i] = count[h.order[i]];
    }
    if (h.n > 0) {
        huff_lengths(weight, h.n, (int) uniform(0, 2), h.len);
    }
    /* canonical order: by length, stable */
    for (int32_t i = 1; i < h.n; i++) {
        for (int32_t j = i; j > 0 && h.len[j] < h.len[j - 1]; j--) {
            int32_t swap = h.len[j];
            h.len[j] = h.len[j - 1];
            h.len[j - 1] = swap;
            swap = h.order[j];
            h.order[j] = h.order[j - 1];
            h.order[j - 1] = swap;
        }
    }
    uint32_t code = 0;
    for (int32_t p = 0; p < h.n; p++) {
        if (p > 0) {
            code = (code + 1) << (h.len[p] - h.len[p - 1]);
        }
        h.code[p] = code;
        h.pos[h.order[p]] = p;
        h.max_len = h.len[p] > h.max_len ? h.len[p] : h.max_len;
    }
    huff_table(&h);
    return h;
}

/* MSB-first bits into u32 words. */
typedef struct {
    uint32_t *words;
    int64_t pos;
} bit_writer;

static void put_bits(bit_writer *w, uint64_t value, int32_t len) {
    for (int32_t i = len - 1; i >= 0; i--) {
        if ((value >> i) & 1) {
            w->words[w->pos >> 5] |= 1u << (31 - (w->pos & 31));
        }
        w->pos++;
    }
}

static int get_bit(const uint32_t *words, int64_t pos) {
    return (int) ((words[pos >> 5] >> (31 - (pos & 31))) & 1);
}

/* The kernels get the words at any alignment, at their exact size. */
static const void *stream_copy(const uint32_t *words, int64_t bits) {
    return input_copy(words, 4 * (size_t) ((bits + 31) / 32));
}

static uint32_t *zeroed_words(int64_t bits) {
    const size_t bytes = 4 * (size_t) ((bits + 31) / 32);
    uint32_t *words = scratch(bytes);
    memset(words, 0, bytes);
    return words;
}

/* Bit by bit through first codes and counts per length: independent of the lookup the kernels use. */
static int32_t read_symbol(const huff_code *h, const uint32_t *words, int64_t *pos) {
    if (h->max_len == 0) {
        return 0;
    }
    int64_t code = 0;
    for (int32_t l = 1; l <= h->max_len; l++) {
        code = code << 1 | get_bit(words, (*pos)++);
        for (int32_t p = 0; p < h->n; p++) {
            if (h->len[p] == l && h->code[p] == code) {
                return p;
            }
        }
    }
    fprintf(stderr, "test Huffman stream holds no codeword\n");
    exit(2);
}

typedef struct {
    huff_code h;
    const void *stream, *symbols;
    index_ref row_bit;
    /* sHAM */
    index_ref col_gap, row_ptr;
} huff_arrays;

static huff_arrays make_ham(const matrix *m, float **rows_out) {
    const spec s = m->s;
    huff_arrays a = {0};
    a.h = make_huff(m, -1);
    int64_t bits = 0;
    for (int64_t i = 0; i < (int64_t) s.rows * s.cols; i++) {
        bits += a.h.len[a.h.pos[m->code[i]]];
    }
    bit_writer w = {zeroed_words(bits), 0};
    a.row_bit.width = some_width(bits);
    void *rb = index_array(s.rows + 1, a.row_bit.width);
    for (int32_t r = 0; r < s.rows; r++) {
        set_index(rb, a.row_bit.width, r, w.pos);
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t p = a.h.pos[m->code[(int64_t) r * s.cols + c]];
            put_bits(&w, a.h.code[p], a.h.len[p]);
        }
    }
    set_index(rb, a.row_bit.width, s.rows, w.pos);
    a.row_bit.data = rb;
    a.stream = stream_copy(w.words, bits);
    float *values = scratch(4 * (size_t) (a.h.n + 1));
    for (int32_t p = 0; p < a.h.n; p++) {
        values[p] = m->omega[a.h.order[p]];
    }
    a.symbols = input_copy(values, 4 * (size_t) a.h.n);
    /* the rows the arrays stand for, decoded from the stream bit by bit */
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        int64_t pos = get_index(rb, a.row_bit.width, r);
        const float scale = m->scale != NULL ? m->scale[r] : 1.0f;
        for (int32_t c = 0; c < s.cols; c++) {
            const float v = values[read_symbol(&a.h, w.words, &pos)];
            d[(int64_t) r * s.cols + c] = m->scale != NULL ? v * scale : v;
        }
    }
    *rows_out = d;
    return a;
}

static huff_arrays make_sham(const matrix *m, float **rows_out) {
    const spec s = m->s;
    huff_arrays a = {0};
    a.h = make_huff(m, 0);
    const int32_t widths[] = {1, 2, 4};
    a.col_gap.width = widths[uniform(0, 2)];
    const int64_t escape = a.col_gap.width == 1 ? 0xFF : a.col_gap.width == 2 ? 0xFFFF : 0xFFFFFFFFLL;
    int64_t bits = 0, entries = 0;
    for (int32_t r = 0; r < s.rows; r++) {
        int64_t previous = -1;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            if (t != 0) {
                bits += a.h.len[a.h.pos[t]];
                entries += (c - previous - 1) / escape + 1;
                previous = c;
            }
        }
    }
    bit_writer w = {zeroed_words(bits), 0};
    a.row_bit.width = some_width(bits);
    a.row_ptr.width = some_width(entries);
    void *rb = index_array(s.rows + 1, a.row_bit.width);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    void *gaps = index_array(entries, a.col_gap.width);
    int64_t e = 0;
    for (int32_t r = 0; r < s.rows; r++) {
        set_index(rb, a.row_bit.width, r, w.pos);
        set_index(rp, a.row_ptr.width, r, e);
        int64_t previous = -1;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            if (t != 0) {
                int64_t gap = c - previous - 1;
                while (gap >= escape) {
                    set_index(gaps, a.col_gap.width, e++, escape);
                    gap -= escape;
                }
                set_index(gaps, a.col_gap.width, e++, gap);
                put_bits(&w, a.h.code[a.h.pos[t]], a.h.len[a.h.pos[t]]);
                previous = c;
            }
        }
    }
    set_index(rb, a.row_bit.width, s.rows, w.pos);
    set_index(rp, a.row_ptr.width, s.rows, e);
    a.row_bit.data = rb;
    a.row_ptr.data = rp;
    a.col_gap.data = gaps;
    a.stream = stream_copy(w.words, bits);
    float *values = scratch(4 * (size_t) (a.h.n + 1));
    for (int32_t p = 0; p < a.h.n; p++) {
        values[p] = m->omega[a.h.order[p]];
    }
    a.symbols = input_copy(values, 4 * (size_t) a.h.n);
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const float scale = m->scale != NULL ? m->scale[r] : 1.0f;
        for (int32_t c = 0; c < s.cols; c++) {
            d[(int64_t) r * s.cols + c] = m->scale != NULL ? m->omega[0] * scale : m->omega[0];
        }
        int64_t pos = get_index(rb, a.row_bit.width, r);
        int64_t col = -1;
        const int64_t end = get_index(rp, a.row_ptr.width, r + 1);
        for (int64_t p = get_index(rp, a.row_ptr.width, r); p < end; p++) {
            const int64_t g = get_index(gaps, a.col_gap.width, p);
            if (g == escape) {
                col += escape;
                continue;
            }
            col += g + 1;
            const float v = values[read_symbol(&a.h, w.words, &pos)];
            d[(int64_t) r * s.cols + col] = m->scale != NULL ? v * scale : v;
        }
    }
    *rows_out = d;
    return a;
}

/* ---------------------------------------------------------------------------------------------- */
/* XOR-gate encrypted: random words through a random network, patches, a Rice-coded mask. The
 * values are whatever the words decode to; only the care pattern and omega[0] come from the matrix. */

typedef struct {
    int32_t planes, word_bits, slice_bits, rice_bits;
    const void *table, *words, *omega, *mask;
    index_ref patch_ptr, patches, mask_row_bit;
} xor_arrays;

static uint64_t slice_bit_mask(int32_t bits) {
    return bits == 64 ? ~0ull : (1ull << bits) - 1;
}

static xor_arrays make_xor(const matrix *m, float **rows_out) {
    const spec s = m->s;
    xor_arrays a = {0};
    a.planes = (int32_t) uniform(0, 5);
    a.slice_bits = uniform(0, 1) ? 64 : (int32_t) uniform(1, 64);
    a.word_bits = (int32_t) uniform(1, a.slice_bits < 32 ? a.slice_bits : 32);
    a.rice_bits = uniform(0, 7) == 0 ? (int32_t) uniform(8, 30) : (int32_t) uniform(0, 6);
    const int32_t q = a.planes;
    const int64_t slices = ((int64_t) s.cols + a.slice_bits - 1) / a.slice_bits;

    uint64_t network[32];
    for (int32_t k = 0; k < a.word_bits; k++) {
        network[k] = next_u64() & slice_bit_mask(a.slice_bits);
    }
    const int32_t tables = (a.word_bits + 7) / 8;
    uint64_t *table = scratch(8 * 256 * (size_t) tables);
    for (int32_t t = 0; t < tables; t++) {
        for (int32_t b = 0; b < 256; b++) {
            uint64_t v = 0;
            for (int32_t i = 0; i < 8; i++) {
                if ((b >> i) & 1 && 8 * t + i < a.word_bits) {
                    v ^= network[8 * t + i];
                }
            }
            table[256 * t + b] = v;
        }
    }
    a.table = input_copy(table, 8 * 256 * (size_t) tables);

    const int64_t word_longs = ((int64_t) s.rows * q * slices * a.word_bits + 63) / 64;
    uint64_t *words = scratch(8 * (size_t) word_longs + 8);
    for (int64_t i = 0; i < word_longs; i++) {
        words[i] = next_u64();
    }
    a.words = input_copy(words, 8 * (size_t) word_longs);

    const int32_t values = 1 + (1 << q);
    float *omega = scratch(4 * (size_t) values);
    omega[0] = m->omega[0];
    for (int32_t i = 1; i < values; i++) {
        omega[i] = random_value(s.integers);
    }
    a.omega = input_copy(omega, 4 * (size_t) values);

    /* patches on about one care bit in 20, and the Rice codes of the gaps */
    int64_t patch_count = 0, mask_bits = 0;
    int64_t *patch_list = scratch(8 * ((size_t) s.rows * (size_t) s.cols * (size_t) q + 1));
    int64_t *row_patches = scratch(8 * ((size_t) s.rows + 1));
    for (int32_t r = 0; r < s.rows; r++) {
        row_patches[r] = patch_count;
        int64_t previous = -1;
        for (int32_t c = 0; c < s.cols; c++) {
            if (m->code[(int64_t) r * s.cols + c] != 0) {
                const int64_t gap = c - previous - 1;
                mask_bits += (gap >> a.rice_bits) + 1 + a.rice_bits;
                previous = c;
                for (int32_t p = 0; p < q; p++) {
                    if (uniform(0, 19) == 0) {
                        patch_list[patch_count++] = (int64_t) c * q + p;
                    }
                }
            }
        }
    }
    row_patches[s.rows] = patch_count;
    a.patch_ptr.width = some_width(patch_count);
    a.patches.width = some_width((int64_t) q * s.cols > 0 ? (int64_t) q * s.cols - 1 : 0);
    void *pp = index_array(s.rows + 1, a.patch_ptr.width);
    void *pl = index_array(patch_count, a.patches.width);
    for (int32_t r = 0; r <= s.rows; r++) {
        set_index(pp, a.patch_ptr.width, r, row_patches[r]);
    }
    for (int64_t i = 0; i < patch_count; i++) {
        set_index(pl, a.patches.width, i, patch_list[i]);
    }
    a.patch_ptr.data = pp;
    a.patches.data = pl;

    bit_writer w = {zeroed_words(mask_bits), 0};
    a.mask_row_bit.width = some_width(mask_bits);
    void *mr = index_array(s.rows + 1, a.mask_row_bit.width);
    for (int32_t r = 0; r < s.rows; r++) {
        set_index(mr, a.mask_row_bit.width, r, w.pos);
        int64_t previous = -1;
        for (int32_t c = 0; c < s.cols; c++) {
            if (m->code[(int64_t) r * s.cols + c] != 0) {
                const int64_t gap = c - previous - 1;
                for (int64_t z = gap >> a.rice_bits; z > 0; z--) {
                    put_bits(&w, 0, 1);
                }
                put_bits(&w, 1, 1);
                put_bits(&w, (uint64_t) gap & slice_bit_mask(a.rice_bits), a.rice_bits);
                previous = c;
            }
        }
    }
    set_index(mr, a.mask_row_bit.width, s.rows, w.pos);
    a.mask_row_bit.data = mr;
    a.mask = stream_copy(w.words, mask_bits);

    /* The rows, from the arrays: the mask read bit by bit, each plane bit as the parity of M's row
     * against the word, computed from the network's columns rather than the byte tables. */
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const float scale = m->scale != NULL ? m->scale[r] : 1.0f;
        for (int32_t c = 0; c < s.cols; c++) {
            d[(int64_t) r * s.cols + c] = m->scale != NULL ? omega[0] * scale : omega[0];
        }
        int64_t pos = get_index(mr, a.mask_row_bit.width, r);
        const int64_t end = get_index(mr, a.mask_row_bit.width, r + 1);
        int64_t col = -1;
        while (pos < end) {
            int64_t quotient = 0;
            while (get_bit(w.words, pos++) == 0) {
                quotient++;
            }
            int64_t remainder = 0;
            for (int32_t i = 0; i < a.rice_bits; i++) {
                remainder = remainder << 1 | get_bit(w.words, pos++);
            }
            col += (quotient << a.rice_bits | remainder) + 1;
            const int64_t slice = col / a.slice_bits;
            int64_t index = 0;
            for (int32_t p = 0; p < q; p++) {
                const int64_t first = (((int64_t) r * q + p) * slices + slice) * a.word_bits;
                uint64_t decoded = 0;
                for (int32_t k = 0; k < a.word_bits; k++) {
                    if ((words[(first + k) >> 6] >> ((first + k) & 63)) & 1) {
                        decoded ^= network[k];
                    }
                }
                int64_t bit = (int64_t) ((decoded >> (col - slice * a.slice_bits)) & 1);
                for (int64_t i = row_patches[r]; i < row_patches[r + 1]; i++) {
                    bit ^= patch_list[i] == col * q + p;
                }
                index |= bit << p;
            }
            d[(int64_t) r * s.cols + col] = m->scale != NULL ? omega[1 + index] * scale : omega[1 + index];
        }
    }
    *rows_out = d;
    return a;
}

/* ---------------------------------------------------------------------------------------------- */
/* Bit-packed: per row a width 0..16 and a scale ±2^e; zeros where the matrix has its implicit value,
 * other values at random within the width (small ones for integer cases, so that sums stay exact). */

typedef struct {
    const void *row_bits, *row_scale, *data;
    index_ref row_ptr;
} bitpack_arrays;

static int64_t bp_lane_words(int64_t m, int32_t bits) {
    return (((m + 7) / 8) * bits + 31) >> 5;
}

static int64_t bp_row_words(int32_t cols, int32_t bits) {
    if (bits == 0) {
        return 0;
    }
    return (int64_t) (cols / 256) * 8 * bits + 8 * bp_lane_words(cols % 256, bits);
}

static bitpack_arrays make_bitpack(const matrix *m, float **rows_out, float **scale_out) {
    const spec s = m->s;
    bitpack_arrays a = {0};
    uint8_t *bits = scratch((size_t) s.rows + 1);
    float *scale = scratch(4 * ((size_t) s.rows + 1));
    int32_t *q = scratch(4 * (size_t) s.rows * (size_t) s.cols + 4);
    int64_t words = 0;
    for (int32_t r = 0; r < s.rows; r++) {
        bits[r] = uniform(0, 9) == 0 ? 0 : (uint8_t) uniform(1, 16);
        scale[r] = ldexpf(uniform(0, 1) ? 1.0f : -1.0f, (int) uniform(-3, 3));
        const int64_t lo = bits[r] == 0 ? 0 : -((int64_t) 1 << (bits[r] - 1));
        const int64_t hi = bits[r] == 0 ? 0 : ((int64_t) 1 << (bits[r] - 1)) - 1;
        for (int32_t c = 0; c < s.cols; c++) {
            int64_t v = 0;
            if (bits[r] > 0 && m->code[(int64_t) r * s.cols + c] != 0) {
                const int64_t l = s.integers && lo < -4 ? -4 : lo, h = s.integers && hi > 4 ? 4 : hi;
                do {
                    v = uniform(l, h);
                } while (v == 0 && (l < 0 || h > 0));
            }
            q[(int64_t) r * s.cols + c] = (int32_t) v;
        }
        words += bp_row_words(s.cols, bits[r]);
    }
    /* padding positions hold garbage: a valid layout has zeros there, but kernels must not look */
    uint32_t *data = scratch(4 * (size_t) words + 4);
    for (int64_t i = 0; i < words; i++) {
        data[i] = (uint32_t) next_u64();
    }
    a.row_ptr.width = some_width(words);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    int64_t base = 0;
    for (int32_t r = 0; r < s.rows; r++) {
        set_index(rp, a.row_ptr.width, r, base);
        const int32_t b = bits[r];
        int64_t blk = base;
        for (int32_t j0 = 0; b > 0 && j0 < s.cols; j0 += 256) {
            const int32_t n = s.cols - j0 < 256 ? s.cols - j0 : 256;
            const int64_t lane_words = bp_lane_words(n, b);
            for (int32_t t = 0; t < (n + 7) / 8; t++) {
                for (int32_t l = 0; l < 8; l++) {
                    const int32_t j = j0 + 8 * t + l;
                    if (j >= s.cols) {
                        continue;
                    }
                    /* write the b bits of the value at lane bit t·b, LSB first */
                    const uint32_t v = (uint32_t) q[(int64_t) r * s.cols + j];
                    for (int32_t i = 0; i < b; i++) {
                        const int64_t lb = (int64_t) t * b + i;
                        const int64_t word = blk + 8 * (lb >> 5) + l;
                        const uint32_t bit = 1u << (lb & 31);
                        data[word] = (v >> i) & 1 ? data[word] | bit : data[word] & ~bit;
                    }
                }
            }
            blk += 8 * lane_words;
        }
        base += bp_row_words(s.cols, b);
    }
    set_index(rp, a.row_ptr.width, s.rows, base);
    a.row_ptr.data = rp;
    a.row_bits = input_copy(bits, (size_t) s.rows);
    a.row_scale = input_copy(scale, 4 * (size_t) s.rows);
    a.data = input_copy(data, 4 * (size_t) words);
    /* the rows, read back value by value */
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const int64_t row = get_index(rp, a.row_ptr.width, r);
        const int32_t b = bits[r];
        for (int32_t j = 0; j < s.cols; j++) {
            int64_t v = 0;
            if (b > 0) {
                const int64_t blk = row + (int64_t) (j / 256) * 8 * b;
                const int64_t lb = (int64_t) ((j % 256) / 8) * b;
                for (int32_t i = 0; i < b; i++) {
                    v |= (int64_t) ((data[blk + 8 * ((lb + i) >> 5) + j % 8] >> ((lb + i) & 31)) & 1) << i;
                }
                v = v >= ((int64_t) 1 << (b - 1)) ? v - ((int64_t) 1 << b) : v;
            }
            CHECK(v == q[(int64_t) r * s.cols + j], "bitpack test encoder: row %d value %d", r, j);
            d[(int64_t) r * s.cols + j] = (float) v * scale[r];
        }
    }
    *rows_out = d;
    *scale_out = scale;
    return a;
}

/* ---------------------------------------------------------------------------------------------- */

static int path_count;
static const tk_path *paths;

static void run_case(spec s) {
    matrix m = make_matrix(s);
    csr_arrays csr = make_csr(&m);
    grouped_arrays cer = make_grouped(&m, 0);
    grouped_arrays cser = make_grouped(&m, 1);
    float *csr_rows = decode_csr(&m, &csr);
    float *cer_rows = decode_grouped(&m, &cer);
    float *cser_rows = decode_grouped(&m, &cser);
    check_decoded("csr", &m, csr_rows);
    check_decoded("cer", &m, cer_rows);
    check_decoded("cser", &m, cser_rows);
    float *ham_rows, *sham_rows, *xor_rows, *bitpack_rows, *bitpack_scale;
    huff_arrays ham = make_ham(&m, &ham_rows);
    huff_arrays sham = make_sham(&m, &sham_rows);
    xor_arrays xr = make_xor(&m, &xor_rows);
    bitpack_arrays bp = make_bitpack(&m, &bitpack_rows, &bitpack_scale);
    check_decoded("ham", &m, ham_rows);
    check_decoded("sham", &m, sham_rows);
    /* HAM factors out the value of symbol 0, its most frequent */
    const float ham_implicit = ham.h.n > 0 ? m.omega[ham.h.order[0]] : 0.0f;

    for (int i = 0; i < path_count; i++) {
        if (!paths[i].supported()) {
            continue;
        }
        const char *name = paths[i].name;
        CHECK(tersor_isa_select(name) == 0 && strcmp(tersor_isa(), name) == 0, "cannot select %s", name);

        void *y = sentinel_output(&m);
        tersor_dense_matmul(s.rows, s.cols, s.batch, m.w_in, m.x_in, y, m.row_start, m.row_end);
        compare("dense", name, &m, m.w, y, 0, NULL);

        y = sentinel_output(&m);
        tersor_csr_matmul(s.rows, s.cols, s.batch, csr.values, csr.col_idx.data, csr.col_idx.width,
                          csr.row_ptr.data, csr.row_ptr.width, m.x_in, y, m.row_start, m.row_end);
        compare("csr", name, &m, csr_rows, y, 0, NULL);

        y = sentinel_output(&m);
        tersor_cer_matmul(s.rows, s.cols, s.batch, m.omega_in, cer.col_idx.data, cer.col_idx.width,
                          cer.group_ptr.data, cer.group_ptr.width, cer.row_ptr.data, cer.row_ptr.width,
                          m.scale_in, m.x_in, y, m.row_start, m.row_end);
        compare("cer", name, &m, cer_rows, y, m.omega[0], m.scale);

        y = sentinel_output(&m);
        tersor_cser_matmul(s.rows, s.cols, s.batch, m.omega_in, cser.col_idx.data, cser.col_idx.width,
                           cser.group_value.data, cser.group_value.width, cser.group_ptr.data,
                           cser.group_ptr.width, cser.row_ptr.data, cser.row_ptr.width, m.scale_in, m.x_in, y,
                           m.row_start, m.row_end);
        compare("cser", name, &m, cser_rows, y, m.omega[0], m.scale);

        y = sentinel_output(&m);
        tersor_ham_matmul(s.rows, s.cols, s.batch, ham.stream, ham.row_bit.data, ham.row_bit.width, ham.symbols,
                          ham.h.table, m.scale_in, m.x_in, y, m.row_start, m.row_end);
        compare("ham", name, &m, ham_rows, y, ham_implicit, m.scale);

        y = sentinel_output(&m);
        tersor_sham_matmul(s.rows, s.cols, s.batch, sham.stream, sham.row_bit.data, sham.row_bit.width, sham.symbols,
                           sham.h.table, m.omega[0], sham.col_gap.data, sham.col_gap.width, sham.row_ptr.data,
                           sham.row_ptr.width, m.scale_in, m.x_in, y, m.row_start, m.row_end);
        compare("sham", name, &m, sham_rows, y, m.omega[0], m.scale);

        y = sentinel_output(&m);
        tersor_xor_matmul(s.rows, s.cols, s.batch, xr.planes, xr.word_bits, xr.slice_bits, xr.table, xr.words,
                          xr.omega, xr.patch_ptr.data, xr.patch_ptr.width, xr.patches.data, xr.patches.width,
                          xr.mask, xr.mask_row_bit.data, xr.mask_row_bit.width, xr.rice_bits, m.scale_in,
                          m.x_in, y, m.row_start, m.row_end);
        compare("xor", name, &m, xor_rows, y, m.omega[0], m.scale);

        y = sentinel_output(&m);
        tersor_bitpack_matmul(s.rows, s.cols, s.batch, bp.row_bits, bp.row_scale, bp.row_ptr.data, bp.row_ptr.width,
                              bp.data, m.x_in, y, m.row_start, m.row_end);
        compare("bitpack", name, &m, bitpack_rows, y, 0, NULL);
    }
    free_buffers();
}

static const int32_t BATCHES[] = {1, 1, 1, 1, 2, 3, 4, 5, 7, 8, 8, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 40, 63, 64, 65, 70};

static int32_t side(void) {
    switch (uniform(0, 7)) {
        case 0: return (int32_t) uniform(0, 3);
        case 1:
        case 2: return (int32_t) uniform(1, 20);
        case 3:
        case 4:
        case 5: return (int32_t) uniform(21, 300);
        default: return (int32_t) uniform(301, 1200);
    }
}

static spec random_spec(void) {
    spec s;
    do {
        s.rows = side();
        s.cols = side();
    } while ((int64_t) s.rows * s.cols > 60000);
    const double densities[] = {0, 0.01, 0.1, 0.5, 1};
    s.density = uniform(0, 5) == 5 ? unit() : densities[uniform(0, 4)];
    s.k = uniform(0, 4) > 0 ? (int32_t) uniform(1, 17) : (int32_t) uniform(18, 400);
    s.batch = BATCHES[uniform(0, sizeof BATCHES / sizeof BATCHES[0] - 1)];
    s.nonzero_implicit = uniform(0, 2) == 0;
    s.scaled = uniform(0, 1);
    s.integers = uniform(0, 1);
    return s;
}

static void edge_cases(void) {
    const spec cases[] = {
        /* rows cols batch k density omega0!=0 scaled integers */
        {0, 0, 1, 3, 0.5, 0, 0, 1},
        {0, 7, 3, 3, 0.5, 1, 1, 1},
        {5, 0, 1, 3, 0.5, 1, 1, 1},
        {5, 0, 9, 3, 0.5, 1, 0, 0},
        {1, 1, 1, 2, 1.0, 0, 0, 1},
        {1, 1, 8, 2, 1.0, 1, 1, 1},
        {1, 1000, 1, 5, 0.3, 0, 0, 0},
        {1000, 1, 1, 5, 0.3, 0, 1, 1},
        {1000, 1, 17, 5, 0.3, 1, 1, 1},
        {40, 33, 1, 1, 0.0, 0, 0, 1},  /* all zero, K = 1 */
        {40, 33, 9, 1, 0.0, 1, 1, 1},  /* only the implicit value, which is not zero */
        {67, 129, 1, 3, 1.0, 1, 0, 1}, /* full, non-zero implicit */
        {67, 129, 19, 3, 1.0, 1, 1, 0},
        {3, 9, 1, 4, 0.2, 0, 0, 1},    /* fewer than eight stored entries in all */
        {3, 9, 1, 4, 0.2, 1, 1, 0},
        {8, 64, 1, 2, 0.25, 0, 0, 1},  /* rows of about 16 entries in one group */
        {8, 300, 1, 300, 1.0, 0, 0, 1},/* wide alphabet: u16 group values */
        {50, 70, 8, 16, 0.1, 0, 0, 0},
        {50, 70, 32, 16, 0.1, 1, 1, 0},
        {50, 70, 33, 16, 0.1, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int rep = 0; rep < 4; rep++) {
            misalign = rep >= 2;
            run_case(cases[i]);
        }
    }
}

/* tersor_isa_select, tersor_isa and tersor_isa_paths agree with the table and the CPU. */
static void dispatch_checks(void) {
    CHECK(tersor_abi_version() == TERSOR_KERNELS_ABI_VERSION, "ABI version %d", tersor_abi_version());
    char expected[256] = "";
    int best = 0;
    for (int i = 0; i < path_count; i++) {
        if (i > 0) {
            strcat(expected, " ");
        }
        strcat(expected, paths[i].name);
        if (paths[i].supported()) {
            best = i;
        }
    }
    CHECK(strcmp(tersor_isa_paths(), expected) == 0, "paths '%s', expected '%s'", tersor_isa_paths(), expected);
    CHECK(strcmp(paths[0].name, "portable") == 0 && paths[0].supported(), "the first path must be portable");
    CHECK(tersor_isa_select(NULL) == 0 && strcmp(tersor_isa(), paths[best].name) == 0,
          "no cap selects %s, expected %s", tersor_isa(), paths[best].name);
    CHECK(tersor_isa_select("portable") == 0 && strcmp(tersor_isa(), "portable") == 0, "cap portable");
    CHECK(tersor_isa_select("no-such-path") == -1 && strcmp(tersor_isa(), "portable") == 0,
          "an unknown cap must fail and change nothing");
    CHECK(tersor_isa_select("") == 0 && strcmp(tersor_isa(), paths[best].name) == 0, "empty cap");
    for (int i = 0; i < path_count; i++) {
        int chosen = i;
        while (!paths[chosen].supported()) {
            chosen--;
        }
        CHECK(tersor_isa_select(paths[i].name) == 0 && strcmp(tersor_isa(), paths[chosen].name) == 0,
              "cap %s selects %s, expected %s", paths[i].name, tersor_isa(), paths[chosen].name);
    }
#ifdef TK_X86
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    CHECK(tersor_isa_select("avx2") == 0 && strcmp(tersor_isa(), avx2 ? "avx2" : "portable") == 0,
          "cap avx2 on a CPU %s AVX2+FMA selects %s", avx2 ? "with" : "without", tersor_isa());
    /* the library reads CPUID itself; libgcc's model (which knows AVX-512 VNNI) must agree */
    const int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                       && __builtin_cpu_supports("avx512vnni");
    const int avx512f = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    const tk_path *vnni = NULL, *plain = NULL;
    for (int i = 0; i < path_count; i++) {
        if (strcmp(paths[i].name, "avx512-vnni") == 0) {
            vnni = &paths[i];
        }
        if (strcmp(paths[i].name, "avx512") == 0) {
            plain = &paths[i];
        }
    }
    CHECK(vnni != NULL && vnni->supported() == avx512, "avx512-vnni supported %d, libgcc says %d",
          vnni != NULL ? vnni->supported() : -1, avx512);
    CHECK(plain != NULL && plain->supported() == avx512f, "avx512 supported %d, libgcc says %d",
          plain != NULL ? plain->supported() : -1, avx512f);
#endif
#ifdef TK_NEON_PATH
    CHECK(tersor_isa_select(NULL) == 0
              && (strcmp(tersor_isa(), "neon") == 0 || strcmp(tersor_isa(), "neon-dotprod") == 0),
          "AArch64 selects %s", tersor_isa());
#endif
}

/* ---------------------------------------------------------------------------------------------- */
/* q8: 8-bit integer rows, int8 (bit-exact) and float activations. */

/* Bytes of the codes, in whole panels of sixteen rows, and where code (r, j) lies among them. */
static int64_t q8_code_bytes(int32_t rows, int32_t cols) {
    return (int64_t) (rows + 15) / 16 * 16 * ((cols + 63) / 64 * 64);
}

static int64_t q8_at(int32_t cols, int32_t r, int32_t j) {
    const int64_t stride = (cols + 63) / 64 * 64;
    return (int64_t) (r / 16) * 16 * stride + (int64_t) (j / 4) * 64 + (r % 16) * 4 + j % 4;
}

/*
 * TokenQuantizer, written the obvious way: fabsf, isfinite, rintf (half to even in the default mode);
 * the first 8 entries beyond 6 times the mean magnitude are outliers, quantized to 0, left out of
 * the scale and added to each output in float.
 */
static float q8_ref_quantize(const float *x, int32_t cols, int32_t batch, int32_t b, int8_t *q, int32_t *outlier_cols,
                             int *outlier_count) {
    float sum = 0.0f;
    int bad = 0;
    for (int32_t j = 0; j < cols; j++) {
        const float v = fabsf(x[(int64_t) j * batch + b]);
        bad |= !isfinite(v);
        sum += v;
    }
    for (int32_t j = 0; j < cols; j++) {
        q[j] = 0;
    }
    *outlier_count = 0;
    if (bad) {
        return NAN;
    }
    const float threshold = 6.0f * (sum / (float) cols);
    unsigned char *outlier = calloc((size_t) cols + 1, 1);
    int outliers = 0;
    float max = 0.0f;
    for (int32_t j = 0; j < cols; j++) {
        const float v = fabsf(x[(int64_t) j * batch + b]);
        if (v > threshold && outliers < 8) {
            outlier[j] = 1;
            outlier_cols[outliers++] = j;
            *outlier_count = outliers;
        } else if (v > max) {
            max = v;
        }
    }
    if (max < 1e-30f) {
        free(outlier);
        return 0.0f;
    }
    const float inverse = 127.0f / max;
    for (int32_t j = 0; j < cols; j++) {
        const float r = rintf(x[(int64_t) j * batch + b] * inverse);
        q[j] = outlier[j] ? 0 : (int8_t) (r < -127.0f ? -127 : r > 127.0f ? 127 : (int) r);
    }
    free(outlier);
    return max / 127.0f;
}

typedef struct {
    int32_t rows, cols, batch, row_start, row_end;
    int8_t *codes;      /* what the kernel reads: panels of sixteen rows, zero padded */
    float *scale;
    int32_t *sum;
    float *x;           /* the test's copy */
    const void *codes_in, *scale_in, *sum_in, *x_in;
} q8_case;

/*
 * Column kinds: ordinary, NaN, infinity, zeros, tiny, half-integers at scale 1 (ties to even), and
 * outlier channels (every 7th entry from the column's phase on 100 times larger: beyond the cap of 8
 * from 57 columns on; columns of one tile with different phases have different outlier channels).
 */
static float q8_activation(int kind, int32_t j, int32_t cols, float magnitude, int32_t phase) {
    switch (kind) {
        case 1: return j == cols / 2 ? NAN : (float) (unit() - 0.5);
        case 2: return j == cols - 1 ? (uniform(0, 1) ? INFINITY : -INFINITY) : (float) (unit() - 0.5);
        case 3: return uniform(0, 1) ? 0.0f : -0.0f;
        case 4: return (float) ((unit() - 0.5) * 2e-35);
        case 5: return j == 0 ? 127.0f : (float) uniform(-127, 126) + 0.5f;
        case 6: return (float) ((unit() - 0.5) * (j % 7 == phase ? 100.0 : 1.0));
        default: return (float) ((unit() - 0.5) * magnitude);
    }
}

static q8_case q8_make(int32_t rows, int32_t cols, int32_t batch) {
    q8_case c;
    c.rows = rows;
    c.cols = cols;
    c.batch = batch;
    const int64_t code_bytes = q8_code_bytes(rows, cols);
    c.codes = scratch((size_t) code_bytes);
    c.scale = scratch(4 * (size_t) rows);
    c.sum = scratch(4 * (size_t) rows);
    c.x = scratch(4 * (size_t) cols * (size_t) batch + 4);
    memset(c.codes, 0, (size_t) code_bytes);
    for (int32_t r = 0; r < rows; r++) {
        const int kind = (int) uniform(0, 5); /* 0: extremes only, 1: small, else uniform */
        int32_t sum = 0;
        for (int32_t j = 0; j < cols; j++) {
            const int8_t v = kind == 0 ? (uniform(0, 1) ? -128 : 127) : kind == 1 ? (int8_t) uniform(-3, 3)
                                                                                  : (int8_t) uniform(-128, 127);
            c.codes[q8_at(cols, r, j)] = v;
            sum += v;
        }
        c.sum[r] = sum;
        c.scale[r] = uniform(0, 9) == 0 ? 0.0f : (float) ((unit() + 0.01) * (uniform(0, 1) ? 1e-3 : -2.0));
    }
    for (int32_t b = 0; b < batch; b++) {
        const int kind = uniform(0, 3) == 0 ? (int) uniform(1, 6) : 0;
        const float magnitude = (float) (uniform(0, 1) ? 1.0 : 1e4 * unit());
        const int32_t phase = (int32_t) uniform(0, 6);
        for (int32_t j = 0; j < cols; j++) {
            c.x[(int64_t) j * batch + b] = q8_activation(kind, j, cols, magnitude, phase);
        }
    }
    c.codes_in = input_copy(c.codes, (size_t) code_bytes);
    c.scale_in = input_copy(c.scale, 4 * (size_t) rows);
    c.sum_in = input_copy(c.sum, 4 * (size_t) rows);
    c.x_in = input_copy(c.x, 4 * (size_t) cols * (size_t) batch);
    c.row_start = (int32_t) uniform(0, rows);
    c.row_end = (int32_t) uniform(c.row_start, rows);
    if (uniform(0, 2) == 0) {
        c.row_start = 0;
        c.row_end = rows;
    }
    return c;
}

static void *q8_output_buffer(const q8_case *c) {
    void *y = buffer(4 * (size_t) c->rows * (size_t) c->batch);
    for (int64_t i = 0; i < (int64_t) c->rows * c->batch; i++) {
        memcpy((char *) y + 4 * i, &SENTINEL, 4);
    }
    return y;
}

static void q8_check(const q8_case *c, int int8, const char *path, const void *y, const void *portable) {
    int8_t *q = scratch((size_t) c->cols + 1);
    for (int32_t b = 0; b < c->batch; b++) {
        int32_t outliers[8];
        int count = 0;
        const float qs = int8 ? q8_ref_quantize(c->x, c->cols, c->batch, b, q, outliers, &count) : 0.0f;
        for (int32_t r = 0; r < c->rows; r++) {
            const int64_t i = (int64_t) r * c->batch + b;
            if (r < c->row_start || r >= c->row_end) {
                CHECK(bits_at(y, i) == SENTINEL, "q8 on %s: row %d outside [%d, %d) was written", path, r,
                      c->row_start, c->row_end);
                continue;
            }
            const float got = getf(y, i);
            if (int8) {
                int64_t acc = 0;
                for (int32_t j = 0; j < c->cols; j++) {
                    acc += (int64_t) c->codes[q8_at(c->cols, r, j)] * q[j];
                }
                const float p = (float) (int32_t) acc * c->scale[r];
                float want = p * qs;
                if (count > 0) {
                    float sum = 0.0f;
                    for (int o = 0; o < count; o++) {
                        const float product = (float) c->codes[q8_at(c->cols, r, outliers[o])]
                                              * c->x[(int64_t) outliers[o] * c->batch + b];
                        sum += product;
                    }
                    const float term = c->scale[r] * sum;
                    want = want + term;
                }
                uint32_t wb;
                memcpy(&wb, &want, 4);
                CHECK(bits_at(y, i) == wb && bits_at(y, i) == bits_at(portable, i),
                      "q8 int8 on %s: %dx%d batch %d rows [%d,%d): y[%d][%d] = %.9g (%08x), reference %.9g (%08x), portable %08x",
                      path, c->rows, c->cols, c->batch, c->row_start, c->row_end, r, b, got, bits_at(y, i), want, wb,
                      bits_at(portable, i));
            } else {
                double sum = 0, terms = 0;
                for (int32_t j = 0; j < c->cols; j++) {
                    const double t = (double) c->codes[q8_at(c->cols, r, j)] * c->x[(int64_t) j * c->batch + b];
                    sum += t;
                    terms += fabs(t);
                }
                const double rs = c->scale[r];
                const double want = sum * rs;
                const double bound = (c->cols + 8) * 0x1.0p-23 * terms * fabs(rs) + 1e-30;
                const int ok = isfinite(want) ? fabs((double) got - want) <= bound : !isfinite(got) || rs == 0;
                CHECK(ok || (isnan(got) && isnan(want)),
                      "q8 float on %s: %dx%d batch %d rows [%d,%d): y[%d][%d] = %.9g, reference %.9g, bound %.3g",
                      path, c->rows, c->cols, c->batch, c->row_start, c->row_end, r, b, got, want, bound);
            }
        }
    }
}

static void q8_run(int32_t rows, int32_t cols, int32_t batch) {
    q8_case c = q8_make(rows, cols, batch);
    for (int int8 = 0; int8 <= 1; int8++) {
        CHECK(tersor_isa_select("portable") == 0, "cannot select portable");
        void *portable = q8_output_buffer(&c);
        tersor_q8_matmul(rows, cols, batch, c.codes_in, c.scale_in, c.sum_in, int8, c.x_in, portable,
                         c.row_start, c.row_end);
        for (int i = 0; i < path_count; i++) {
            if (!paths[i].supported()) {
                continue;
            }
            const char *name = paths[i].name;
            CHECK(tersor_isa_select(name) == 0 && strcmp(tersor_isa(), name) == 0, "cannot select %s", name);
            void *y = q8_output_buffer(&c);
            tersor_q8_matmul(rows, cols, batch, c.codes_in, c.scale_in, c.sum_in, int8, c.x_in, y,
                             c.row_start, c.row_end);
            q8_check(&c, int8, name, y, portable);
        }
    }
    free_buffers();
}

static void q8_cases(long random_cases) {
    static const int32_t COLS[] = {1, 3, 63, 64, 65, 384, 1536, 4097};
    static const int32_t ROWS[] = {1, 5, 17};
    static const int32_t BATCH[] = {1, 2, 7, 9, 33, 130};
    for (size_t i = 0; i < sizeof COLS / sizeof COLS[0]; i++) {
        for (size_t j = 0; j < sizeof ROWS / sizeof ROWS[0]; j++) {
            for (size_t k = 0; k < sizeof BATCH / sizeof BATCH[0]; k++) {
                misalign = uniform(0, 1);
                q8_run(ROWS[j], COLS[i], BATCH[k]);
            }
        }
    }
    /* no columns; rows longer than one 32 KiB chunk, up to the limit */
    misalign = 1;
    q8_run(3, 0, 2);
    q8_run(6, 40000, 3);
    q8_run(2, 65536, 1);
    q8_run(5, 32768, 2);
    q8_run(5, 32769, 9);
    /* the column kernels' edges: tiles of 16 or 8 batch columns, blocks of 12 or 8 rows, K in chunks */
    q8_run(25, 384, 16);
    q8_run(13, 129, 17);
    q8_run(12, 4096, 8);
    q8_run(9, 4097, 6);
    q8_run(17, 8200, 23);
    /* whole and part tiles after several whole ones, K in chunks */
    q8_run(5, 2100, 64);
    q8_run(3, 300, 65);
    q8_run(4, 5000, 49);
    /* several panels, a part panel at either end of the row range, one or more column tiles, K in
       chunks, more than one group of 128 batch columns */
    q8_run(50, 384, 11);
    q8_run(64, 2100, 40);
    q8_run(48, 4097, 33);
    q8_run(33, 64, 130);
    q8_run(70, 300, 257);
    q8_run(16, 128, 2);
    for (long n = 0; n < random_cases; n++) {
        misalign = uniform(0, 1);
        q8_run((int32_t) uniform(1, 80), (int32_t) uniform(1, 2000), (int32_t) uniform(1, 40));
    }
}

static double seconds(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Indicative speed of the int8 q8 kernel on every supported path: GMAC/s, best of a few runs. */
static void q8_bench(void) {
    static const int32_t SHAPES[][2] = {{384, 1536}, {4096, 4096}};
    static const int32_t BATCH[] = {1, 2, 4, 11, 128};
    for (size_t s = 0; s < 2; s++) {
        const int32_t rows = SHAPES[s][0], cols = SHAPES[s][1];
        const int64_t code_bytes = q8_code_bytes(rows, cols);
        int8_t *codes = scratch((size_t) code_bytes);
        float *scale = scratch(4 * (size_t) rows);
        int32_t *sum = scratch(4 * (size_t) rows);
        for (int64_t i = 0; i < code_bytes; i++) {
            codes[i] = (int8_t) uniform(-128, 127);
        }
        for (int32_t r = 0; r < rows; r++) {
            scale[r] = 0.01f;
            sum[r] = 0;
        }
        for (size_t bi = 0; bi < sizeof BATCH / sizeof BATCH[0]; bi++) {
            const int32_t batch = BATCH[bi];
            float *x = scratch(4 * (size_t) cols * (size_t) batch);
            float *y = scratch(4 * (size_t) rows * (size_t) batch);
            for (int64_t i = 0; i < (int64_t) cols * batch; i++) {
                x[i] = (float) (unit() - 0.5);
            }
            for (int p = 0; p < path_count; p++) {
                if (!paths[p].supported()) {
                    continue;
                }
                tersor_isa_select(paths[p].name);
                const double macs = (double) rows * cols * batch;
                const int reps = (int) (2e9 / macs / (p == 0 ? 8 : 1)) + 1;
                double best = 1e30;
                for (int round = 0; round < 5; round++) {
                    const double t0 = seconds();
                    for (int rep = 0; rep < reps; rep++) {
                        tersor_q8_matmul(rows, cols, batch, codes, scale, sum, 1, x, y, 0, rows);
                    }
                    const double t = (seconds() - t0) / reps;
                    best = t < best ? t : best;
                }
                printf("q8 int8 %5dx%-5d batch %2d  %-12s %8.1f us  %7.1f GMAC/s\n", rows, cols, batch,
                       paths[p].name, best * 1e6, macs / best * 1e-9);
            }
        }
        free_buffers();
    }
}

int main(int argc, char **argv) {
    long cases = 300;
    uint64_t seed = 0x7E5502ull;
    const char *expect_isa = NULL;
    int bench = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            cases = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--expect-isa") == 0 && i + 1 < argc) {
            expect_isa = argv[++i];
        } else if (strcmp(argv[i], "--q8-bench") == 0) {
            bench = 1;
        } else {
            fprintf(stderr, "usage: %s [--cases N] [--seed S] [--expect-isa NAME] [--q8-bench]\n", argv[0]);
            return 2;
        }
    }
    paths = tk_paths(&path_count);
    if (expect_isa != NULL) {
        CHECK(strcmp(tersor_isa(), expect_isa) == 0, "loaded with path %s, expected %s", tersor_isa(), expect_isa);
    }
    printf("paths: %s; selected at load: %s\n", tersor_isa_paths(), tersor_isa());
    dispatch_checks();

    rng = seed;
    if (bench) {
        q8_bench();
        return 0;
    }
    if (cases > 0) {
        edge_cases();
        q8_cases(cases / 3);
    }
    for (long c = 0; c < cases; c++) {
        misalign = uniform(0, 1);
        run_case(random_spec());
    }
    printf("%ld random cases and the edge cases on every supported path (seed %#llx): %s\n", cases,
           (unsigned long long) seed, failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
