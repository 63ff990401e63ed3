package io.sluice.proxy.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The keys one mapping of the file may hold, and the sections nested under some of them. It is the loader's single list of
 * known keys: {@link Mapping} rejects keys not declared here and refuses to read a key that was not declared, and
 * {@link ConfigLoader#knownKeys()} (checked against the sample file) is derived from it.
 */
final class Section {
    private enum Kind { SCALAR, MAPPING, LIST_OF_MAPPINGS }

    private record Entry(Kind kind, Section nested) {
    }

    private final Map<String, Entry> entries;

    private Section(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** A section of scalar keys. */
    static Section of(String... scalarKeys) {
        return new Section(new LinkedHashMap<>()).scalars(scalarKeys);
    }

    /** This section plus scalar keys. */
    Section scalars(String... keys) {
        Section s = this;
        for (String key : keys) {
            s = s.with(key, new Entry(Kind.SCALAR, null));
        }
        return s;
    }

    /** This section plus a key whose value is a mapping laid out as {@code nested}. */
    Section mapping(String key, Section nested) {
        return with(key, new Entry(Kind.MAPPING, nested));
    }

    /** This section plus a key whose value is a list of mappings, each laid out as {@code nested}. */
    Section listOf(String key, Section nested) {
        return with(key, new Entry(Kind.LIST_OF_MAPPINGS, nested));
    }

    private Section with(String key, Entry entry) {
        if (entries.containsKey(key)) {
            throw new IllegalArgumentException("key declared twice: " + key);
        }
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        copy.put(key, entry);
        return new Section(copy);
    }

    Set<String> keys() {
        return entries.keySet();
    }

    boolean declares(String key) {
        return entries.containsKey(key);
    }

    /** Every key path under this section, parents before children, list elements written {@code key[]}. */
    Set<String> keyPaths(String prefix) {
        Set<String> paths = new LinkedHashSet<>();
        entries.forEach((key, entry) -> {
            paths.add(prefix + key);
            switch (entry.kind()) {
                case SCALAR -> { }
                case MAPPING -> paths.addAll(entry.nested().keyPaths(prefix + key + "."));
                case LIST_OF_MAPPINGS -> paths.addAll(entry.nested().keyPaths(prefix + key + "[]."));
            }
        });
        return paths;
    }
}
