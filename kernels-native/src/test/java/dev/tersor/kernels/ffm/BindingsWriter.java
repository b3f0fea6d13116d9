package dev.tersor.kernels.ffm;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes {@code TersorKernels.java} from {@code tersor_kernels.h}, in jextract's style: per function
 * a holder class with its descriptor, address and {@code static final} handles, linked on first use,
 * and a static method of the C name that calls it with {@code invokeExact}. A kernel (a function
 * taking arrays) gets a second, critical handle, which accepts heap segments, and a method that
 * takes the choice between the two as its first argument; {@code Heap} holds the critical twins
 * under the C names. The header stays the contract and these bindings follow it:
 * {@code HeaderBindingsTest} fails when the committed file is not what this writes.
 */
final class BindingsWriter {

    private static final int WIDTH = 120;
    private static final String RULE = "    // " + "-".repeat(93) + "\n";

    private BindingsWriter() {
    }

    /** The bindings source for {@code header}. */
    static String write(String header) {
        List<HeaderBindings.CFunction> functions = HeaderBindings.parse(header);
        int abi = HeaderBindings.abiVersion(header).orElseThrow(() -> new IllegalArgumentException("no ABI version"));
        StringBuilder out = new StringBuilder(PROLOGUE.replace("$ABI", Integer.toString(abi)));
        List<HeaderBindings.CFunction> kernels = new ArrayList<>();
        for (HeaderBindings.CFunction f : functions) {
            out.append(RULE).append(wrap("    // " + declaration(f), "    //     ")).append('\n');
            holder(out, f);
            if (f.takesArrays()) {
                if (!f.returnType().equals("void")) {
                    throw new IllegalArgumentException(f.name() + ": a kernel writes its results to y and returns void");
                }
                kernels.add(f);
                String plain = "    public static void " + f.name() + "(";
                out.append(plain);
                parameters(out, f, plain.length(), plain.length());
                out.append(") {\n").append(wrap("        " + f.name() + "(false, " + String.join(", ", names(f)) + ");",
                        "                ")).append("    }\n\n");
                out.append("    /** Through the critical handle when {@code critical}: one argument or more lives on the heap. */\n");
                String head = "    static void " + f.name() + "(";
                out.append(head).append("boolean critical, ");
                parameters(out, f, head.length() + "boolean critical, ".length(), head.length());
                out.append(") {\n        try {\n            if (critical) {\n");
                invoke(out, "                ", f.name() + ".HEAP", f, false);
                out.append("            } else {\n");
                invoke(out, "                ", f.name() + ".HANDLE", f, false);
                out.append("            }\n");
            } else {
                String returns = carrier(f.returnType());
                String head = "    public static " + returns + " " + f.name() + "(";
                out.append(head);
                parameters(out, f, head.length(), head.length());
                out.append(") {\n        try {\n");
                invoke(out, "            ", f.name() + ".HANDLE", f, !f.returnType().equals("void"));
            }
            out.append("        } catch (Throwable t) {\n            throw rethrow(t);\n        }\n    }\n\n");
        }
        out.append(RULE).append("""

                    /** The kernels through their critical handles, under the C names. */
                    public static final class Heap {

                        private Heap() {
                        }
                """);
        for (HeaderBindings.CFunction f : kernels) {
            String head = "        public static void " + f.name() + "(";
            out.append('\n').append(head);
            parameters(out, f, head.length(), head.length());
            out.append(") {\n").append(wrap("            TersorKernels." + f.name() + "(true, "
                    + String.join(", ", names(f)) + ");", "                    ")).append("        }\n");
        }
        return out.append("    }\n}\n").toString();
    }

    private static void holder(StringBuilder out, HeaderBindings.CFunction f) {
        List<String> layouts = f.parameterTypes().stream().map(t -> mapping(t).constant()).toList();
        String descriptor = f.returnType().equals("void") ? "FunctionDescriptor.ofVoid(" + String.join(", ", layouts) + ")"
                : "FunctionDescriptor.of(" + String.join(", ", prepend(mapping(f.returnType()).constant(), layouts)) + ")";
        out.append("    private static final class ").append(f.name()).append(" {\n");
        out.append(wrap("        static final FunctionDescriptor DESC = " + descriptor + ";", "                "));
        out.append("        static final MemorySegment ADDR = find(\"").append(f.name()).append("\");\n");
        out.append("        static final MethodHandle HANDLE = downcall(ADDR, DESC);\n");
        if (f.takesArrays()) {
            out.append("        static final MethodHandle HEAP = critical(ADDR, DESC);\n");
        }
        out.append("    }\n\n");
    }

    private static void invoke(StringBuilder out, String indent, String handle, HeaderBindings.CFunction f,
                               boolean returns) {
        String cast = returns ? "return (" + carrier(f.returnType()) + ") " : "";
        out.append(wrap(indent + cast + handle + ".invokeExact(" + String.join(", ", names(f)) + ");",
                indent + "        "));
    }

    /**
     * The Java parameters of {@code f}, written from {@code column} on and wrapped at {@code indent},
     * under the opening parenthesis.
     */
    private static void parameters(StringBuilder out, HeaderBindings.CFunction f, int column, int indentWidth) {
        int at = column;
        String indent = " ".repeat(indentWidth);
        List<String> names = names(f);
        for (int i = 0; i < names.size(); i++) {
            String parameter = carrier(f.parameterTypes().get(i)) + " " + names.get(i);
            String separator = i + 1 < names.size() ? "," : "";
            if (i > 0 && at + 1 + parameter.length() + separator.length() + 3 > WIDTH) {
                out.append('\n').append(indent);
                at = indent.length();
            } else if (i > 0) {
                out.append(' ');
                at++;
            }
            out.append(parameter).append(separator);
            at += parameter.length() + separator.length();
        }
    }

    /** {@code line} broken after commas to stay within the width, continuation lines at {@code indent}. */
    private static String wrap(String line, String indent) {
        StringBuilder out = new StringBuilder();
        String rest = line;
        while (rest.length() > WIDTH) {
            int cut = rest.lastIndexOf(", ", WIDTH - 1);
            out.append(rest, 0, cut + 1).append('\n');
            rest = indent + rest.substring(cut + 2);
        }
        return out.append(rest).append('\n').toString();
    }

    private static String declaration(HeaderBindings.CFunction f) {
        List<String> parameters = new ArrayList<>();
        for (int i = 0; i < f.parameterTypes().size(); i++) {
            String type = f.parameterTypes().get(i);
            parameters.add(type + (type.endsWith("*") ? "" : " ") + f.parameterNames().get(i));
        }
        String returns = f.returnType() + (f.returnType().endsWith("*") ? "" : " ");
        return returns + f.name() + "(" + (parameters.isEmpty() ? "void" : String.join(", ", parameters)) + ");";
    }

    /** C's {@code row_ptr_width} as Java's {@code rowPtrWidth}. */
    private static List<String> names(HeaderBindings.CFunction f) {
        return f.parameterNames().stream().map(BindingsWriter::camelCase).toList();
    }

    private static String camelCase(String snake) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private static String carrier(String cType) {
        return cType.equals("void") ? "void" : mapping(cType).carrier().getSimpleName();
    }

    private static HeaderBindings.Mapping mapping(String cType) {
        return HeaderBindings.mapping(cType).orElseThrow(
                () -> new IllegalArgumentException("no FFM mapping for '" + cType + "'"));
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private static final String PROLOGUE = """
            package dev.tersor.kernels.ffm;

            import java.lang.foreign.FunctionDescriptor;
            import java.lang.foreign.MemorySegment;
            import java.lang.foreign.ValueLayout;
            import java.lang.invoke.MethodHandle;

            import static dev.tersor.kernels.ffm.Downcalls.critical;
            import static dev.tersor.kernels.ffm.Downcalls.downcall;
            import static dev.tersor.kernels.ffm.Downcalls.find;
            import static dev.tersor.kernels.ffm.Downcalls.rethrow;

            /**
             * FFM bindings of {@code tersor_kernels.h}, generated from it by {@code BindingsWriter} (a test
             * class): do not edit. After changing the header, run
             * {@code mvn -pl kernels-native -am verify -Dtest=HeaderBindingsTest -Dtersor.bindings.write=true}
             * to rewrite this file; {@code HeaderBindingsTest} fails while it differs from what the header gives.
             *
             * <p>A kernel has a plain and a critical handle (see {@link Downcalls#critical}); its caller says
             * which, having looked at its segments once. Only {@link NativeKernels} calls these, after
             * {@link NativeLibrary#lookup()} has succeeded.
             */
            public final class TersorKernels {

                /** The header's {@code TERSOR_KERNELS_ABI_VERSION}; a library reporting another one is refused. */
                public static final int TERSOR_KERNELS_ABI_VERSION = $ABI;

                static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
                static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
                static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
                static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

                private TersorKernels() {
                }

            """;
}
