package dev.tersor.io;

import dev.tersor.format.ElementType;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1 to 3), little-endian, C order, for the dtypes Tersor
 * tensors have: {@code <f4 <i8 <i4 |u1 |i1 |b1}. Reading distrusts the file: the header must parse,
 * and the data must hold exactly the bytes its shape needs.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static Tensor read(Path path) throws IOException {
        long size = Files.size(path);
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, size, path.toString());
        }
    }

    static Tensor read(InputStream in, long size, String what) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(magic, 6), MAGIC)) {
            throw new InvalidModelException(what + " is not a .npy file");
        }
        int major = magic[6];
        int headerLength;
        int prefix;
        if (major == 1) {
            byte[] n = in.readNBytes(2);
            if (n.length < 2) {
                throw new InvalidModelException(what + " is truncated");
            }
            headerLength = (n[0] & 0xFF) | (n[1] & 0xFF) << 8;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            byte[] n = in.readNBytes(4);
            if (n.length < 4) {
                throw new InvalidModelException(what + " is truncated");
            }
            headerLength = ByteBuffer.wrap(n).order(ByteOrder.LITTLE_ENDIAN).getInt();
            prefix = 12;
        } else {
            throw new InvalidModelException(what + ": .npy version " + major + " is not supported");
        }
        if (headerLength < 0 || headerLength > MAX_HEADER || prefix + headerLength > size) {
            throw new InvalidModelException(what + ": bad header length " + headerLength);
        }
        String header = new String(in.readNBytes(headerLength), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ElementType type = dtype(field(DESCR, header, what), what);
        if (field(ORDER, header, what).equals("True")) {
            throw new InvalidModelException(what + ": Fortran-order arrays are not supported");
        }
        int[] shape = shape(field(SHAPE, header, what), what);
        long bytes = (long) Shapes.size(shape) * type.bytes();
        if (size - prefix - headerLength != bytes) {
            throw new InvalidModelException(what + ": shape " + java.util.Arrays.toString(shape) + " of " + type + " needs "
                    + bytes + " data bytes, the file has " + (size - prefix - headerLength));
        }
        byte[] data = in.readNBytes((int) bytes);
        if (data.length != bytes) {
            throw new InvalidModelException(what + " is truncated");
        }
        return Tensor.copyOf(type, shape, MemorySegment.ofArray(data));
    }

    private static String field(Pattern pattern, String header, String what) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new InvalidModelException(what + ": header lacks " + pattern.pattern().split("'")[1] + ": " + header.strip());
        }
        return m.group(1);
    }

    private static ElementType dtype(String descr, String what) {
        return switch (descr) {
            case "<f4" -> ElementType.F32;
            case "<i8" -> ElementType.I64;
            case "<i4" -> ElementType.I32;
            case "|u1", "<u1" -> ElementType.U8;
            case "|i1", "<i1" -> ElementType.I8;
            case "|b1" -> ElementType.BOOL;
            default -> throw new InvalidModelException(what + ": dtype '" + descr + "' is not supported (use float32, "
                    + "int64, int32, uint8, int8 or bool, little-endian)");
        };
    }

    private static String descr(ElementType type) {
        return switch (type) {
            case F32 -> "<f4";
            case I64 -> "<i8";
            case I32 -> "<i4";
            case U8 -> "|u1";
            case I8 -> "|i1";
            case BOOL -> "|b1";
            default -> throw new IllegalArgumentException("tensors of " + type.onnxName() + " have no .npy form here");
        };
    }

    private static int[] shape(String text, String what) {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
                if (d < 0 || d > Shapes.MAX_ELEMENTS) {
                    throw new InvalidModelException(what + ": bad dimension " + d);
                }
                dims.add((int) d);
            } catch (NumberFormatException e) {
                throw new InvalidModelException(what + ": bad shape (" + text + ")");
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        Shapes.size(shape);
        return shape;
    }

    public static void write(Tensor tensor, Path path) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            write(tensor, out);
        }
    }

    static void write(Tensor tensor, OutputStream out) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < tensor.rank(); i++) {
            shape.append(tensor.dim(i)).append(tensor.rank() == 1 ? "," : i + 1 < tensor.rank() ? ", " : "");
        }
        shape.append(')');
        String dict = "{'descr': '" + descr(tensor.type()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        out.write(MAGIC);
        out.write(new byte[]{1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(tensor.data().toArray(ValueLayout.JAVA_BYTE));
    }
}
