package dev.tersor.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {

    private static Checkpoint sample() {
        return new Checkpoint("net|data|1", 1, 42, 0.875, Map.of("a", new float[]{1, -2.5f, 3}, "b", new float[0]));
    }

    @Test
    void roundTrips(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.bin");
        sample().write(file);
        Checkpoint read = Checkpoint.read(file);
        assertThat(read.runKey()).isEqualTo("net|data|1");
        assertThat(read.phase()).isEqualTo(1);
        assertThat(read.step()).isEqualTo(42);
        assertThat(read.accuracy()).isEqualTo(0.875);
        assertThat(read.array("a", 3)).containsExactly(1, -2.5f, 3);
        assertThat(read.array("b", 0)).isEmpty();
        assertThatThrownBy(() -> read.array("a", 4)).isInstanceOf(Checkpoint.InvalidCheckpointException.class)
                .hasMessageContaining("array a");
        assertThat(Files.exists(dir.resolve("c.bin.partial"))).isFalse();
    }

    @Test
    void damagedFilesAreOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("c.bin");
        sample().write(file);
        byte[] good = Files.readAllBytes(file);
        for (int i = 8; i < good.length; i += 5) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(file, bad);
            assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(Checkpoint.InvalidCheckpointException.class)
                    .hasMessageContaining(file.toString()).hasMessageNotContaining("\n");
        }
        for (int length : new int[]{0, 7, 19, good.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(good, length));
            assertThatThrownBy(() -> Checkpoint.read(file)).isInstanceOf(Checkpoint.InvalidCheckpointException.class);
        }
        byte[] other = good.clone();
        other[0] = 'X';
        Files.write(file, other);
        assertThatThrownBy(() -> Checkpoint.read(file)).hasMessageContaining("not a Tersor training checkpoint");
        assertThatThrownBy(() -> Checkpoint.read(dir.resolve("missing.bin"))).hasMessageContaining("no checkpoint");
    }
}
