package dev.tersor.kernels.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the function declarations of a C header and lists every way a bindings class disagrees
 * with them: a declared function without a binding method, a method or {@code DESC} descriptor
 * whose types differ, a kernel without its heap variant, a binding no declaration backs, an ABI
 * version that differs.
 */
final class HeaderBindings {

    /** One declaration: {@code returnType name(parameterTypes…)}, types with whitespace normalized. */
    record CFunction(String name, String returnType, List<String> parameterTypes, List<String> parameterNames) {

        /** Functions taking arrays ({@code void *}) may receive heap segments and need a critical binding. */
        boolean takesArrays() {
            return parameterTypes.stream().anyMatch(t -> t.equals("void *") || t.equals("const void *"));
        }
    }

    /**
     * How a C type crosses FFM: the Java carrier, the layout in the descriptor, and the name of that
     * layout's constant in the bindings.
     */
    record Mapping(Class<?> carrier, MemoryLayout layout, String constant) {
    }

    private static final Map<String, Mapping> TYPES = Map.of(
            "int32_t", new Mapping(int.class, ValueLayout.JAVA_INT, "C_INT"),
            "int64_t", new Mapping(long.class, ValueLayout.JAVA_LONG, "C_LONG"),
            "float", new Mapping(float.class, ValueLayout.JAVA_FLOAT, "C_FLOAT"),
            "void *", new Mapping(MemorySegment.class, ValueLayout.ADDRESS, "C_POINTER"),
            "const void *", new Mapping(MemorySegment.class, ValueLayout.ADDRESS, "C_POINTER"),
            "const char *", new Mapping(MemorySegment.class, ValueLayout.ADDRESS, "C_POINTER"));

    /** The FFM mapping of a C type, or empty when the bindings have none. */
    static Optional<Mapping> mapping(String cType) {
        return Optional.ofNullable(TYPES.get(cType));
    }

    private static final Pattern DECLARATION = Pattern.compile("^(.+?)\\b(tersor_\\w+)\\s*\\((.*)\\)$", Pattern.DOTALL);
    private static final Pattern PARAMETER = Pattern.compile("^(.*?)\\s*\\b(\\w+)$", Pattern.DOTALL);
    private static final Pattern ABI = Pattern.compile("#define\\s+TERSOR_KERNELS_ABI_VERSION\\s+(\\d+)");

    private HeaderBindings() {
    }

    /** The declarations of {@code header}: comments, preprocessor lines and linkage blocks removed. */
    static List<CFunction> parse(String header) {
        String code = header.replaceAll("(?s)/\\*.*?\\*/", " ")
                .replaceAll("//[^\\n]*", " ")
                .replaceAll("(?m)^\\s*#.*$", " ")
                .replace("extern \"C\" {", " ")
                .replace("TERSOR_API", " ")
                .replace("{", " ").replace("}", " ");
        List<CFunction> functions = new ArrayList<>();
        for (String statement : code.split(";")) {
            String s = normalize(statement);
            if (s.isEmpty()) {
                continue;
            }
            Matcher m = DECLARATION.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a function declaration: " + s);
            }
            List<String> parameters = new ArrayList<>();
            List<String> names = new ArrayList<>();
            String list = m.group(3).trim();
            if (!list.equals("void")) {
                for (String parameter : list.split(",")) {
                    Matcher p = PARAMETER.matcher(parameter.trim());
                    if (!p.matches()) {
                        throw new IllegalArgumentException("unnamed parameter '" + parameter + "' in " + s);
                    }
                    parameters.add(normalize(p.group(1)));
                    names.add(p.group(2));
                }
            }
            functions.add(new CFunction(m.group(2), normalize(m.group(1)), List.copyOf(parameters),
                    List.copyOf(names)));
        }
        return functions;
    }

    /** Single spaces, and pointer stars written {@code type *}. */
    private static String normalize(String text) {
        return text.replaceAll("\\s+", " ").replaceAll("\\s*\\*\\s*", " *").trim();
    }

    /** The {@code TERSOR_KERNELS_ABI_VERSION} a header defines. */
    static Optional<Integer> abiVersion(String header) {
        Matcher m = ABI.matcher(header);
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    /** Every disagreement between {@code header} and the bindings; empty when they match. */
    static List<String> problems(String header, Class<?> bindings, Class<?> heapBindings) {
        List<String> problems = new ArrayList<>();
        List<CFunction> functions = parse(header);
        if (functions.isEmpty()) {
            problems.add("the header declares no tersor_ function");
        }
        Optional<Integer> abi = abiVersion(header);
        int bound = intConstant(bindings, "TERSOR_KERNELS_ABI_VERSION");
        if (abi.isEmpty() || abi.get() != bound) {
            problems.add("the header's ABI version is " + abi.map(String::valueOf).orElse("missing")
                    + ", the bindings' " + bound);
        }
        Set<String> declared = new TreeSet<>();
        for (CFunction f : functions) {
            declared.add(f.name());
            List<Class<?>> carriers = new ArrayList<>();
            List<MemoryLayout> layouts = new ArrayList<>();
            boolean mapped = true;
            for (String type : f.parameterTypes()) {
                Mapping mapping = TYPES.get(type);
                if (mapping == null) {
                    problems.add(f.name() + ": no FFM mapping for parameter type '" + type + "'");
                    mapped = false;
                } else {
                    carriers.add(mapping.carrier());
                    layouts.add(mapping.layout());
                }
            }
            Mapping result = f.returnType().equals("void") ? null : TYPES.get(f.returnType());
            if (result == null && !f.returnType().equals("void")) {
                problems.add(f.name() + ": no FFM mapping for return type '" + f.returnType() + "'");
                mapped = false;
            }
            if (!mapped) {
                continue;
            }
            Class<?> returns = result == null ? void.class : result.carrier();
            checkMethod(problems, bindings, f, carriers, returns);
            if (f.takesArrays()) {
                checkMethod(problems, heapBindings, f, carriers, returns);
            }
            MemoryLayout[] arguments = layouts.toArray(MemoryLayout[]::new);
            FunctionDescriptor expected = result == null ? FunctionDescriptor.ofVoid(arguments)
                    : FunctionDescriptor.of(result.layout(), arguments);
            checkDescriptor(problems, bindings, f.name(), expected);
        }
        for (Class<?> type : List.of(bindings, heapBindings)) {
            for (Method method : type.getDeclaredMethods()) {
                if (Modifier.isPublic(method.getModifiers()) && method.getName().startsWith("tersor_")
                        && !declared.contains(method.getName())) {
                    problems.add(type.getSimpleName() + "." + method.getName() + " binds nothing the header declares");
                }
            }
        }
        return problems;
    }

    private static void checkMethod(List<String> problems, Class<?> type, CFunction f, List<Class<?>> carriers,
                                    Class<?> returns) {
        String where = type.getSimpleName() + "." + f.name();
        Method method;
        try {
            method = type.getDeclaredMethod(f.name(), carriers.toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            List<String> found = Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(f.name()))
                    .map(m -> Arrays.toString(m.getParameterTypes())).toList();
            problems.add(where + carriers + " is missing" + (found.isEmpty() ? "" : "; found " + found));
            return;
        }
        if (!Modifier.isPublic(method.getModifiers()) || !Modifier.isStatic(method.getModifiers())) {
            problems.add(where + " must be public static");
        }
        if (method.getReturnType() != returns) {
            problems.add(where + " returns " + method.getReturnType() + ", the header " + f.returnType());
        }
    }

    private static void checkDescriptor(List<String> problems, Class<?> bindings, String name, FunctionDescriptor expected) {
        Class<?> holder = Arrays.stream(bindings.getDeclaredClasses()).filter(c -> c.getSimpleName().equals(name))
                .findFirst().orElse(null);
        if (holder == null) {
            problems.add(name + ": no holder class " + bindings.getSimpleName() + "." + name);
            return;
        }
        try {
            Field field = holder.getDeclaredField("DESC");
            field.setAccessible(true);
            FunctionDescriptor actual = (FunctionDescriptor) field.get(null);
            if (!actual.equals(expected)) {
                problems.add(name + ": descriptor " + actual + " differs from the header's " + expected);
            }
        } catch (ReflectiveOperationException e) {
            problems.add(name + ": cannot read " + holder.getSimpleName() + ".DESC: " + e);
        }
    }

    private static int intConstant(Class<?> type, String name) {
        try {
            return type.getField(name).getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(type + " lacks " + name, e);
        }
    }
}
