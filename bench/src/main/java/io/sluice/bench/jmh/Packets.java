package io.sluice.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Realistic response packets as MariaDB sends them for sysbench's tables, built once for the benchmarks: OK, ERR,
 * column definitions, text rows and EOF, each framed with its 4-byte header.
 */
final class Packets {
    private Packets() {
    }

    /** OK: header 0x00, affected rows 0, last insert id 0, status AUTOCOMMIT, 0 warnings. */
    static byte[] okPayload() {
        return new byte[]{0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    }

    /** OK with the 0xFE header that ends a result set when CLIENT_DEPRECATE_EOF is on. */
    static byte[] okEofPayload() {
        return new byte[]{(byte) 0xFE, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    }

    /** EOF: 0xFE, 0 warnings, status AUTOCOMMIT. */
    static byte[] eofPayload() {
        return new byte[]{(byte) 0xFE, 0x00, 0x00, 0x02, 0x00};
    }

    /** ERR 1146 (42S02) Table 'sbtest.nope' doesn't exist. */
    static byte[] errPayload() {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0xFF).writeShortLE(1146).writeByte('#').writeBytes("42S02".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes("Table 'sbtest.nope' doesn't exist".getBytes(StandardCharsets.UTF_8));
        return bytes(b);
    }

    static byte[] columnCountPayload(int columns) {
        return new byte[]{(byte) columns};
    }

    /** ColumnDefinition41 for {@code sbtest.sbtest1.<name>}. */
    static byte[] columnDefinitionPayload(String name, int type) {
        ByteBuf b = Unpooled.buffer();
        for (String s : new String[]{"def", "sbtest", "sbtest1", "sbtest1", name, name}) {
            lenenc(b, s);
        }
        b.writeByte(0x0C).writeShortLE(8).writeIntLE(120).writeByte(type).writeShortLE(0).writeByte(0).writeShortLE(0);
        return bytes(b);
    }

    /** A text-protocol row of sysbench's sbtest table: id, k, c (120 chars), pad (60 chars). */
    static byte[] rowPayload(int id) {
        ByteBuf b = Unpooled.buffer();
        lenenc(b, Integer.toString(id));
        lenenc(b, Integer.toString(id * 7 % 10000));
        lenenc(b, "83868641912-28773972837-60736120486-75162659906-27563526494-20381887404-41576422241-93426793964-56405065102-33518432330");
        lenenc(b, "67847967377-48000963322-62604785301-91415491898-96926520291");
        return bytes(b);
    }

    /** Frames the payload: 3-byte little-endian length, sequence id, payload. */
    static void frame(ByteBuf out, byte[] payload, int sequenceId) {
        out.writeMediumLE(payload.length).writeByte(sequenceId).writeBytes(payload);
    }

    private static void lenenc(ByteBuf b, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        if (v.length >= 251) {
            throw new IllegalArgumentException("only short strings here");
        }
        b.writeByte(v.length).writeBytes(v);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }
}
