package dev.tersor.embed;

import dev.tersor.graph.Tensor;

import java.util.Objects;

/**
 * Token ids for a batch of texts, padded to the longest text of the batch: row-major
 * {@code [size, length]} arrays of ids, attention mask (1 for real tokens, 0 for padding) and token
 * type ids. Immutable; the accessors return copies.
 */
public record TokenBatch(int size, int length, long[] ids, long[] attentionMask, long[] typeIds) {

    public TokenBatch {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(attentionMask, "attentionMask");
        Objects.requireNonNull(typeIds, "typeIds");
        if (size < 0 || length < 0) {
            throw new IllegalArgumentException("batch of " + size + " x " + length);
        }
        long n = (long) size * length;
        if (ids.length != n || attentionMask.length != n || typeIds.length != n) {
            throw new IllegalArgumentException("arrays of " + ids.length + ", " + attentionMask.length + ", "
                    + typeIds.length + " elements for a " + size + " x " + length + " batch");
        }
        ids = ids.clone();
        attentionMask = attentionMask.clone();
        typeIds = typeIds.clone();
    }

    @Override
    public long[] ids() {
        return ids.clone();
    }

    @Override
    public long[] attentionMask() {
        return attentionMask.clone();
    }

    @Override
    public long[] typeIds() {
        return typeIds.clone();
    }

    /** The real (unpadded) token ids of text {@code i}, special tokens included. */
    public long[] ids(int i) {
        Objects.checkIndex(i, size);
        return java.util.Arrays.copyOfRange(ids, i * length, i * length + tokens(i));
    }

    /** How many real tokens text {@code i} has. */
    public int tokens(int i) {
        Objects.checkIndex(i, size);
        int n = 0;
        for (int t = 0; t < length; t++) {
            n += (int) attentionMask[i * length + t];
        }
        return n;
    }

    /** {@code input_ids} as an INT64 {@code [size, length]} tensor. */
    public Tensor idsTensor() {
        return Tensor.ofLongs(ids, size, length);
    }

    /** {@code attention_mask} as an INT64 {@code [size, length]} tensor. */
    public Tensor attentionMaskTensor() {
        return Tensor.ofLongs(attentionMask, size, length);
    }

    /** {@code token_type_ids} as an INT64 {@code [size, length]} tensor. */
    public Tensor typeIdsTensor() {
        return Tensor.ofLongs(typeIds, size, length);
    }
}
