package dev.tersor.bench.model;

import dev.tersor.format.QuantizedMatrix;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link QuantizedMatrix} in a file, so that the <em>real</em> matrix cases made once per run
 * reach every fork: rows, columns, codebook, optional row scales, then one code per entry. Read back
 * only from files this process family wrote; sizes are still checked before anything is allocated.
 */
public final class QuantizedFiles {

    private static final int MAGIC = 0x54514d31; // "TQM1"
    private static final int MAX_CODEBOOK = 1 << 24;

    private QuantizedFiles() {
    }

    public static void write(QuantizedMatrix m, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(m.rows());
            out.writeInt(m.cols());
            out.writeInt(m.codebookSize());
            for (int k = 0; k < m.codebookSize(); k++) {
                out.writeFloat(m.codebookValue(k));
            }
            out.writeBoolean(m.hasRowScales());
            if (m.hasRowScales()) {
                for (int r = 0; r < m.rows(); r++) {
                    out.writeFloat(m.rowScale(r));
                }
            }
            for (int r = 0; r < m.rows(); r++) {
                for (int c = 0; c < m.cols(); c++) {
                    out.writeInt(m.code(r, c));
                }
            }
        }
    }

    public static QuantizedMatrix read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a quantized matrix file");
            }
            int rows = in.readInt();
            int cols = in.readInt();
            int k = in.readInt();
            long entries = (long) rows * cols;
            if (rows < 1 || cols < 1 || entries > QuantizedMatrix.MAX_ENTRIES || k < 1 || k > MAX_CODEBOOK
                    || Files.size(file) < 4L * (4 + k + entries)) {
                throw new IOException(file + " has an invalid header: " + rows + "×" + cols + ", K = " + k);
            }
            float[] codebook = new float[k];
            for (int i = 0; i < k; i++) {
                codebook[i] = in.readFloat();
            }
            float[] scales = null;
            if (in.readBoolean()) {
                scales = new float[rows];
                for (int r = 0; r < rows; r++) {
                    scales[r] = in.readFloat();
                }
            }
            QuantizedMatrix.Builder builder = QuantizedMatrix.builder(rows, cols, codebook);
            for (long i = 0; i < entries; i++) {
                builder.set(i, in.readInt());
            }
            return builder.rowScales(scales).build();
        }
    }
}
