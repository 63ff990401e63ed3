package io.sluice.protocol.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Byte fixtures for protocol tests. A fixture is annotated hex: bytes as hex digits, whitespace anywhere, and
 * {@code #} starting a comment to the end of the line, so that each field can be named where it sits (see
 * {@code src/test/resources/fixtures/}). Tests written inline use the same syntax through {@link #hex(String)}.
 */
public final class Fixtures {
    private Fixtures() {
    }

    /** Parses annotated hex. */
    public static byte[] hex(String annotated) {
        StringBuilder digits = new StringBuilder();
        for (String line : annotated.split("\n")) {
            int hash = line.indexOf('#');
            String data = hash < 0 ? line : line.substring(0, hash);
            for (char c : data.toCharArray()) {
                if (!Character.isWhitespace(c)) {
                    digits.append(c);
                }
            }
        }
        return HexFormat.of().parseHex(digits);
    }

    /** The bytes of {@code fixtures/<name>} on the test classpath. */
    public static byte[] load(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return hex(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A frame fixture's payload: the bytes after the 4-byte frame header. */
    public static byte[] payload(String name) {
        byte[] frame = load(name);
        return java.util.Arrays.copyOfRange(frame, 4, frame.length);
    }

    /** A pooled (leak-tracked) buffer holding these bytes; the caller releases it. */
    public static ByteBuf buffer(byte[] bytes) {
        return alloc().buffer(bytes.length).writeBytes(bytes);
    }

    /** The allocator tests use: pooled, so that PARANOID leak detection tracks every buffer. */
    public static ByteBufAllocator alloc() {
        return PooledByteBufAllocator.DEFAULT;
    }
}
