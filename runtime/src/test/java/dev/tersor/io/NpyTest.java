package dev.tersor.io;

import dev.tersor.format.ElementType;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NpyTest {

    static Tensor roundTrip(Tensor t) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(t, out);
        byte[] bytes = out.toByteArray();
        assertThat((bytes.length - t.data().byteSize()) % 64).isZero();
        return Npy.read(new ByteArrayInputStream(bytes), bytes.length, "test");
    }

    @Test
    void roundTripsEveryType() throws Exception {
        for (Tensor t : new Tensor[]{Tensor.of(new float[]{1.5f, -2, Float.NaN, 0}, 2, 2), Tensor.ofLongs(new long[]{1, -5, 7}, 3),
                Tensor.ofInts(new int[]{3}, 1, 1, 1), Tensor.ofBytes(ElementType.U8, new byte[]{(byte) 200, 1}, 2),
                Tensor.ofBytes(ElementType.I8, new byte[]{-3}), Tensor.ofBytes(ElementType.BOOL, new byte[]{0, 1}, 2, 1),
                Tensor.of(new float[0], 0, 4)}) {
            assertThat(roundTrip(t).contentEquals(t)).as(t.toString()).isTrue();
        }
    }

    /** A file as NumPy 1.x writes it: {@code np.save('a.npy', np.arange(6, dtype='<i8').reshape(2, 3))}. */
    @Test
    void readsNumpysOwnHeader() throws Exception {
        String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }";
        String header = dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        for (long v = 0; v < 6; v++) {
            for (int b = 0; b < 8; b++) {
                out.write((int) (v >>> (8 * b)) & 0xFF);
            }
        }
        byte[] bytes = out.toByteArray();
        Tensor t = Npy.read(new ByteArrayInputStream(bytes), bytes.length, "arange");
        assertThat(t.shape()).containsExactly(2, 3);
        assertThat(t.toLongArray()).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void rejectsBadFiles() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(Tensor.of(new float[]{1, 2, 3}, 3), out);
        byte[] good = out.toByteArray();
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(truncated), truncated.length, "t"))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("needs 12 data bytes");
        byte[] notNpy = "hello world".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(notNpy), notNpy.length, "t"))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("not a .npy");
        byte[] bigEndian = new String(good, StandardCharsets.ISO_8859_1).replace("<f4", ">f4").getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(bigEndian), bigEndian.length, "t"))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining(">f4");
    }
}
