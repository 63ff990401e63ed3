package io.sluice.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One mapping of the YAML tree, read key by key against its {@link Section}. Every problem is recorded in {@link Problems} with
 * the key's full path and reading goes on: a bad value yields the default (or empty, for a required key) so that later checks
 * still run and do not report follow-on errors.
 *
 * <p>An explicit {@code null} (a key with nothing after the colon) is treated as if the key were absent. Values are never
 * echoed back in type errors, since the key might be a password.
 */
final class Mapping {
    private final Problems problems;
    private final String path;
    private final JsonNode node;
    private final Section section;
    private final Path baseDir;

    private Mapping(Problems problems, String path, JsonNode node, Section section, Path baseDir) {
        this.problems = problems;
        this.path = path;
        this.node = node;
        this.section = section;
        this.baseDir = baseDir;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!section.declares(key)) {
                problems.add(pathOf(key), "unknown key" + Suggestions.closest(key, section.keys())
                        .map(s -> " (did you mean '" + s + "'?)").orElse(""));
            }
        }
    }

    /** The top of the file; an empty file reads as an empty mapping. */
    static Optional<Mapping> root(Problems problems, JsonNode tree, Section section, Path baseDir) {
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return Optional.of(new Mapping(problems, "", JsonNodeFactory.instance.objectNode(), section, baseDir));
        }
        if (!tree.isObject()) {
            problems.add("(top)", "expected a mapping of keys such as 'listen:' and 'backends:', got " + describe(tree));
            return Optional.empty();
        }
        return Optional.of(new Mapping(problems, "", tree, section, baseDir));
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    void error(String key, String problem) {
        problems.add(pathOf(key), problem);
    }

    boolean has(String key) {
        return value(key).isPresent();
    }

    private Optional<JsonNode> value(String key) {
        if (!section.declares(key)) {
            throw new IllegalStateException("reading undeclared key " + pathOf(key) + "; declare it in its Section");
        }
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v);
    }

    private Optional<JsonNode> required(String key) {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            error(key, "required key is missing");
        }
        return v;
    }

    Optional<String> string(String key) {
        return value(key).flatMap(v -> asString(key, v));
    }

    String string(String key, String fallback) {
        return string(key).orElse(fallback);
    }

    Optional<String> requiredString(String key) {
        return required(key).flatMap(v -> asString(key, v)).filter(s -> {
            if (s.isEmpty()) {
                error(key, "must not be empty");
                return false;
            }
            return true;
        });
    }

    private Optional<String> asString(String key, JsonNode v) {
        if (v.isTextual()) {
            return Optional.of(v.textValue());
        }
        // YAML turns 123456, yes, 1e3 into numbers and booleans; quoting keeps the text exactly as written.
        error(key, "expected a string, got " + describe(v) + (v.isValueNode() ? "; put the value in quotes" : ""));
        return Optional.empty();
    }

    int integer(String key, int fallback, int min) {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return fallback;
        }
        JsonNode n = v.get();
        if (!n.isIntegralNumber()) {
            error(key, "expected a whole number, got " + describe(n) + (n.isTextual() ? "; remove the quotes" : ""));
            return fallback;
        }
        if (!n.canConvertToInt() || n.intValue() < min) {
            error(key, "must be from " + min + " to " + Integer.MAX_VALUE + ", got " + n.asText());
            return fallback;
        }
        return n.intValue();
    }

    Optional<Boolean> bool(String key) {
        return value(key).flatMap(v -> {
            if (v.isBoolean()) {
                return Optional.of(v.booleanValue());
            }
            error(key, "expected true or false, got " + describe(v));
            return Optional.empty();
        });
    }

    boolean bool(String key, boolean fallback) {
        return bool(key).orElse(fallback);
    }

    Duration duration(String key, Duration fallback) {
        return duration(key, fallback, false);
    }

    /** As {@link #duration(String, Duration)}, where 0 is a meaningful value (e.g. "never wait"). */
    Duration durationOrZero(String key, Duration fallback) {
        return duration(key, fallback, true);
    }

    private Duration duration(String key, Duration fallback, boolean zeroAllowed) {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return fallback;
        }
        JsonNode n = v.get();
        if (!n.isTextual() && !n.isNumber()) {
            error(key, "expected a duration such as 500ms, 2s, 1m or 1h, got " + describe(n));
            return fallback;
        }
        try {
            Duration d = Durations.parse(n.asText());
            if (d.isZero() && !zeroAllowed) {
                error(key, "must be greater than 0");
                return fallback;
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return fallback;
        }
    }

    /** A byte size ({@link Sizes}) from {@code min} to {@code max}; the fallback when absent or invalid. */
    long size(String key, long fallback, long min, long max) {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return fallback;
        }
        JsonNode n = v.get();
        if (!n.isTextual() && !n.isIntegralNumber()) {
            error(key, "expected a size such as 65536, 64K, 64M or 1G, got " + describe(n));
            return fallback;
        }
        try {
            long bytes = Sizes.parse(n.asText());
            if (bytes < min || bytes > max) {
                error(key, "must be from " + Sizes.format(min) + " to " + Sizes.format(max) + ", got " + n.asText());
                return fallback;
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return fallback;
        }
    }

    HostPort address(String key, HostPort fallback) {
        return value(key).flatMap(v -> asAddress(key, v)).orElse(fallback);
    }

    Optional<HostPort> requiredAddress(String key) {
        return required(key).flatMap(v -> asAddress(key, v));
    }

    private Optional<HostPort> asAddress(String key, JsonNode v) {
        if (!v.isTextual() && !v.isIntegralNumber()) {
            error(key, "expected host:port, got " + describe(v));
            return Optional.empty();
        }
        try {
            return Optional.of(HostPort.parse(v.asText()));
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return Optional.empty();
        }
    }

    /** A path to a file that must exist and be readable now; relative paths are resolved against the config file's directory. */
    Optional<Path> readableFile(String key) {
        return string(key).flatMap(text -> {
            if (text.isBlank()) {
                error(key, "must not be empty");
                return Optional.empty();
            }
            Path p;
            try {
                p = baseDir.resolve(text).normalize();
            } catch (InvalidPathException e) {
                error(key, "not a valid path: " + e.getReason());
                return Optional.empty();
            }
            if (!Files.exists(p)) {
                error(key, "file not found: " + p);
            } else if (!Files.isRegularFile(p)) {
                error(key, "not a regular file: " + p);
            } else if (!Files.isReadable(p)) {
                error(key, "cannot read " + p + ": permission denied");
            } else {
                return Optional.of(p);
            }
            return Optional.empty();
        });
    }

    Optional<Mapping> mapping(String key, Section nested) {
        return value(key).flatMap(v -> {
            if (!v.isObject()) {
                error(key, "expected a mapping (keys indented under '" + key + ":'), got " + describe(v));
                return Optional.empty();
            }
            return Optional.of(new Mapping(problems, pathOf(key), v, nested, baseDir));
        });
    }

    /** The elements of a list of mappings, or empty if the key is absent; elements that are not mappings are reported. */
    Optional<List<Mapping>> listOf(String key, Section nested) {
        return value(key).flatMap(v -> {
            if (!v.isArray()) {
                error(key, "expected a list (entries starting with '- '), got " + describe(v));
                return Optional.empty();
            }
            List<Mapping> items = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                String itemPath = pathOf(key) + "[" + i + "]";
                if (!item.isObject()) {
                    problems.add(itemPath, "expected a mapping with keys " + String.join(", ", nested.keys())
                            + ", got " + describe(item));
                } else {
                    items.add(new Mapping(problems, itemPath, item, nested, baseDir));
                }
            }
            return Optional.of(items);
        });
    }

    /**
     * A list of scalars ({@code [a, b]} or entries starting with '- '), each a string read by {@code parse}, which throws
     * {@link IllegalArgumentException} with the problem; absent key: an empty list. Bad entries are reported with their
     * index and left out.
     */
    <T> List<T> stringList(String key, java.util.function.Function<String, T> parse) {
        Optional<JsonNode> value = value(key);
        if (value.isEmpty()) {
            return List.of();
        }
        JsonNode v = value.get();
        if (!v.isArray()) {
            error(key, "expected a list (entries starting with '- ', or [a, b]), got " + describe(v));
            return List.of();
        }
        List<T> items = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            String itemPath = pathOf(key) + "[" + i + "]";
            if (!item.isTextual()) {
                problems.add(itemPath, "expected a string, got " + describe(item));
                continue;
            }
            try {
                items.add(parse.apply(item.textValue()));
            } catch (IllegalArgumentException e) {
                problems.add(itemPath, e.getMessage());
            }
        }
        return items;
    }

    /** Whether the key holds a list with no entries ({@code []}). */
    boolean isEmptyList(String key) {
        return value(key).map(v -> v.isArray() && v.isEmpty()).orElse(false);
    }

    /** The kind of a value, in YAML's words, without the value itself. */
    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isNumber()) {
            return v.isIntegralNumber() ? "a whole number" : "a number";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isNull()) {
            return "nothing";
        }
        return "a " + v.getNodeType().name().toLowerCase(Locale.ROOT) + " value";
    }
}
