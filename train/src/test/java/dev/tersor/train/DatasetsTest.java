package dev.tersor.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetsTest {

    private static void idx(Path file, int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes.toByteArray());
        }
    }

    private static void fashionFiles(Path dir, int images, byte[] labels) throws IOException {
        byte[] pixels = new byte[images * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i % 256);
        }
        for (String part : new String[]{"train", "t10k"}) {
            idx(dir.resolve(part + "-images-idx3-ubyte.gz"), 0x803, new int[]{images, 28, 28}, pixels);
            idx(dir.resolve(part + "-labels-idx1-ubyte.gz"), 0x801, new int[]{labels.length}, labels);
        }
    }

    @Test
    void readsIdxFiles(@TempDir Path dir) throws Exception {
        fashionFiles(dir, 3, new byte[]{7, 0, 9});
        Datasets.Split split = Datasets.fashionMnist(dir);
        assertThat(split.train().count()).isEqualTo(3);
        assertThat(split.train().labels()).containsExactly(7, 0, 9);
        assertThat(split.test().pixels()[255]).isEqualTo(1f);
        assertThat(split.test().pixels()[784]).isEqualTo(784 % 256 / 255f);
    }

    @Test
    void refusesDamagedIdxFilesInOneLine(@TempDir Path dir) throws Exception {
        fashionFiles(dir, 2, new byte[]{1, 12});
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).isInstanceOf(InvalidDatasetException.class)
                .hasMessageContaining("label 12");
        fashionFiles(dir, 2, new byte[]{1});
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).hasMessageContaining("not the label file of 2 images");
        idx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[]{2_000_000_000, 28, 28}, new byte[0]);
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).hasMessageContaining("2000000000 images");
        fashionFiles(dir, 3, new byte[]{1, 2, 3});
        idx(dir.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[]{3, 28, 28}, new byte[100]);
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).hasMessageContaining("truncated");
        idx(dir.resolve("train-images-idx3-ubyte.gz"), 0x801, new int[]{3, 28, 28}, new byte[100]);
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).hasMessageContaining("not an IDX image file");
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), new byte[]{1, 2, 3});
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).isInstanceOf(InvalidDatasetException.class)
                .hasMessageContaining("gzip");
        Files.delete(dir.resolve("train-images-idx3-ubyte.gz"));
        assertThatThrownBy(() -> Datasets.fashionMnist(dir)).hasMessageContaining("missing");
    }

    private static void digits(Path dir, int perDigit) throws IOException {
        for (int d = 0; d < 10; d++) {
            StringBuilder json = new StringBuilder("{ \"data\": [");
            for (int i = 0; i < perDigit * 784; i++) {
                json.append(i == 0 ? "" : ",").append(i % 784 == d ? "1" : "0");
            }
            Files.writeString(dir.resolve(d + ".json"), json.append("]}").toString());
        }
    }

    @Test
    void splitsMnistDigitsByDigitAndSeed(@TempDir Path dir) throws Exception {
        digits(dir, 10);
        Datasets.Split split = Datasets.mnistDigits(dir, 3);
        assertThat(split.train().count()).isEqualTo(80);
        assertThat(split.test().count()).isEqualTo(20);
        for (int n = 0; n < split.test().count(); n++) {
            int label = split.test().labels()[n];
            assertThat(split.test().pixels()[n * 784 + label]).isEqualTo(1f);
        }
        assertThat(Datasets.mnistDigits(dir, 3).test().labels()).containsExactly(split.test().labels());
    }

    @Test
    void refusesDamagedDigitFiles(@TempDir Path dir) throws Exception {
        digits(dir, 1);
        Files.writeString(dir.resolve("4.json"), "{\"data\": [0, 0.5, 2]}");
        assertThatThrownBy(() -> Datasets.mnistDigits(dir, 1)).isInstanceOf(InvalidDatasetException.class)
                .hasMessageContaining("4.json").hasMessageContaining("outside [0, 1]");
        Files.writeString(dir.resolve("4.json"), "{\"data\": [0, 0.5]}");
        assertThatThrownBy(() -> Datasets.mnistDigits(dir, 1)).hasMessageContaining("partial image");
        Files.writeString(dir.resolve("4.json"), "{\"data\": [0, ");
        assertThatThrownBy(() -> Datasets.mnistDigits(dir, 1)).isInstanceOf(InvalidDatasetException.class)
                .hasMessageContaining("4.json");
        Files.writeString(dir.resolve("4.json"), "[1, 2]");
        assertThatThrownBy(() -> Datasets.mnistDigits(dir, 1)).hasMessageContaining("not an mnist digit file");
        Files.delete(dir.resolve("4.json"));
        assertThatThrownBy(() -> Datasets.mnistDigits(dir, 1)).hasMessageContaining("missing");
    }
}
