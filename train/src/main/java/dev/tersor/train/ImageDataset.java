package dev.tersor.train;

/**
 * Labelled images in memory: {@code count} examples of {@code channels × height × width} floats in
 * [0, 1], row-major, with labels in {@code [0, classes)}.
 */
public record ImageDataset(String name, float[] pixels, int[] labels, int channels, int height, int width, int classes) {

    public ImageDataset {
        int size = channels * height * width;
        if (channels < 1 || height < 1 || width < 1 || classes < 2 || (long) labels.length * size != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + pixels.length + " pixels of "
                    + channels + "x" + height + "x" + width + " images");
        }
        for (int label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException(name + ": label " + label + " outside 0.." + (classes - 1));
            }
        }
    }

    public int count() {
        return labels.length;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** The examples at {@code indices[from, to)} as a batch of shape {@code [n] + shape}. */
    public Variable images(int[] indices, int from, int to, int[] shape) {
        int size = imageSize();
        float[] batch = new float[(to - from) * size];
        for (int i = from; i < to; i++) {
            System.arraycopy(pixels, indices[i] * size, batch, (i - from) * size, size);
        }
        int[] full = new int[shape.length + 1];
        full[0] = to - from;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return Variable.constant(batch, full);
    }

    /** The labels at {@code indices[from, to)}. */
    public int[] labels(int[] indices, int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = labels[indices[i]];
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " (" + count() + " images of " + channels + "x" + height + "x" + width + ", " + classes + " classes)";
    }
}
