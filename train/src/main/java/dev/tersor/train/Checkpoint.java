package dev.tersor.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A training run's saved state: which run it belongs to, where it stands, and named float arrays
 * (parameters, optimizer moments, running statistics). Written to a temporary file and moved into
 * place, so an interrupted write leaves the previous checkpoint; read only after its CRC-32 matches,
 * so a damaged file is one {@link InvalidCheckpointException} line.
 *
 * <p>Layout: {@code "TSRTRAIN"}, version (i32), the run key, the phase, the step and a measured
 * accuracy, the number of arrays, each as a name, a length and its floats (big-endian), then the
 * CRC-32 of everything before it (i64).
 */
public record Checkpoint(String runKey, int phase, int step, double accuracy, Map<String, float[]> arrays) {

    private static final byte[] MAGIC = "TSRTRAIN".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    /** Larger than any network here needs, small enough that a damaged length cannot allocate much. */
    private static final long MAX_BYTES = 1L << 30;

    /** A checkpoint file that is damaged or belongs to another run. */
    public static final class InvalidCheckpointException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InvalidCheckpointException(String message) {
            super(message);
        }
    }

    public Checkpoint {
        arrays = new LinkedHashMap<>(arrays);
    }

    /**
     * Writes the checkpoint through a buffer of a megabyte, the checksum taken as the bytes go (a
     * distillation's checkpoint is hundreds of megabytes).
     */
    public void write(Path file) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".partial");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Writer out = new Writer(channel);
            out.buffer.put(MAGIC).putInt(VERSION);
            out.utf(runKey);
            out.room(20);
            out.buffer.putInt(phase).putInt(step).putDouble(accuracy).putInt(arrays.size());
            for (Map.Entry<String, float[]> e : arrays.entrySet()) {
                out.utf(e.getKey());
                out.room(4);
                out.buffer.putInt(e.getValue().length);
                out.floats(e.getValue());
            }
            out.flush();
            out.buffer.putLong(out.crc.getValue());
            out.buffer.flip();
            while (out.buffer.hasRemaining()) {
                channel.write(out.buffer);
            }
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A buffered writer over a channel that checksums what it writes. */
    private static final class Writer {
        final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        final CRC32 crc = new CRC32();
        private final FileChannel channel;

        Writer(FileChannel channel) {
            this.channel = channel;
        }

        void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                flush();
            }
        }

        void flush() throws IOException {
            buffer.flip();
            crc.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        void utf(String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0xffff) {
                throw new IllegalArgumentException("a checkpoint name of " + bytes.length + " bytes");
            }
            room(2 + bytes.length);
            buffer.putShort((short) bytes.length).put(bytes);
        }

        void floats(float[] values) throws IOException {
            int at = 0;
            while (at < values.length) {
                room(4);
                int n = Math.min(values.length - at, buffer.remaining() / 4);
                buffer.asFloatBuffer().put(values, at, n);
                buffer.position(buffer.position() + 4 * n);
                at += n;
            }
        }
    }

    public static Checkpoint read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InvalidCheckpointException(file + ": no checkpoint there");
        }
        if (size < MAGIC.length + 4 + 8 || size > MAX_BYTES) {
            throw new InvalidCheckpointException(file + ": " + size + " bytes is not a checkpoint");
        }
        byte[] all = Files.readAllBytes(file);
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        ByteBuffer in = ByteBuffer.wrap(all);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new InvalidCheckpointException(file + ": not a Tersor training checkpoint");
        }
        if (in.getLong(all.length - 8) != crc.getValue()) {
            throw new InvalidCheckpointException(file + ": damaged (checksum mismatch)");
        }
        try {
            int version = in.getInt();
            if (version != VERSION) {
                throw new InvalidCheckpointException(file + ": checkpoint version " + version + ", this build reads " + VERSION);
            }
            String key = utf(in);
            int phase = in.getInt();
            int step = in.getInt();
            double accuracy = in.getDouble();
            int count = in.getInt();
            Map<String, float[]> arrays = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = utf(in);
                int length = in.getInt();
                if (length < 0 || 4L * length > in.remaining() - 8) {
                    throw new InvalidCheckpointException(file + ": array " + name + " runs past the end");
                }
                float[] values = new float[length];
                in.asFloatBuffer().get(values);
                in.position(in.position() + 4 * length);
                arrays.put(name, values);
            }
            if (in.remaining() != 8) {
                throw new InvalidCheckpointException(file + ": " + (in.remaining() - 8) + " bytes after the last array");
            }
            return new Checkpoint(key, phase, step, accuracy, arrays);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new InvalidCheckpointException(file + ": truncated or malformed");
        }
    }

    /** The checkpoint in {@code file}, which must be one of the run {@code runKey}. */
    public static Checkpoint readFor(Path file, String runKey) throws IOException {
        Checkpoint saved = read(file);
        if (!saved.runKey().equals(runKey)) {
            throw new InvalidCheckpointException(file + " belongs to another run (" + saved.runKey() + "), not " + runKey);
        }
        return saved;
    }

    /**
     * The live arrays a trainer saves and restores for {@code parameters}: each one's values under its
     * name and Adam's moments under {@code name.m} and {@code name.v}.
     */
    public static Map<String, float[]> parameterArrays(List<Parameter> parameters) {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            arrays.put(p.name(), p.value());
            arrays.put(p.name() + ".m", p.firstMoment);
            arrays.put(p.name() + ".v", p.secondMoment);
        }
        return arrays;
    }

    /** Copies this checkpoint's array of each name in {@code live} into it; every one must be saved, of its length. */
    public void restoreInto(Map<String, float[]> live) {
        live.forEach((name, target) -> System.arraycopy(array(name, target.length), 0, target, 0, target.length));
    }

    private static String utf(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The array called {@code name}, which must hold {@code length} floats. */
    public float[] array(String name, int length) {
        float[] values = arrays.get(name);
        if (values == null || values.length != length) {
            throw new InvalidCheckpointException("the checkpoint has " + (values == null ? "no" : values.length + " floats of")
                    + " array " + name + ", this network needs " + length);
        }
        return values;
    }
}
