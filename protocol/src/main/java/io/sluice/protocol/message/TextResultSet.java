package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Wire;
import io.sluice.protocol.frame.Frame;
import io.sluice.protocol.frame.Packets;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A small text-protocol result set that Sluice answers itself (statements it intercepts, the admin interface): column
 * count, column definitions, an EOF unless the client negotiated {@code CLIENT_DEPRECATE_EOF}, rows, and the
 * terminator (EOF, or an OK packet with header 0xFE under {@code CLIENT_DEPRECATE_EOF}).
 *
 * <p>Values are written as text, as {@code COM_QUERY} results are: strings in UTF-8, numbers in decimal, {@code null}
 * as SQL NULL (0xFB). Meant for answers of a few rows; every packet is below 16 MiB or the build fails.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset.html">Text Resultset</a>
 */
public final class TextResultSet {
    private static final int NULL = 0xFB;

    private final List<ColumnDefinition41> columns;
    private final List<Object[]> rows = new ArrayList<>();

    private TextResultSet(List<ColumnDefinition41> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a result set has at least one column");
        }
        this.columns = List.copyOf(columns);
    }

    public static TextResultSet of(List<ColumnDefinition41> columns) {
        return new TextResultSet(columns);
    }

    /** Text columns with these names. */
    public static TextResultSet ofText(String... names) {
        List<ColumnDefinition41> cols = new ArrayList<>(names.length);
        for (String n : names) {
            cols.add(ColumnDefinition41.text(n));
        }
        return new TextResultSet(cols);
    }

    /**
     * Adds a row: one value per column; each a {@link CharSequence}, a {@link Number}, a {@link Boolean} (written
     * {@code 1}/{@code 0}), or {@code null}; anything else is written with {@code toString()}.
     */
    public TextResultSet row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values for " + columns.size() + " columns");
        }
        rows.add(values.clone());
        return this;
    }

    public int rowCount() {
        return rows.size();
    }

    /**
     * The whole response as consecutive packets, the first with {@code firstSequenceId}.
     *
     * @param statusFlags the server status of the terminator (autocommit, in transaction...)
     */
    public ByteBuf encode(ByteBufAllocator alloc, int firstSequenceId, Capability clientCaps, int statusFlags) {
        Objects.requireNonNull(clientCaps, "clientCaps");
        boolean deprecateEof = clientCaps.has(Capability.DEPRECATE_EOF);
        ByteBuf out = alloc.buffer(256);
        boolean ok = false;
        try {
            int seq = firstSequenceId;
            seq = append(out, alloc, seq, b -> Wire.writeLenencInt(b, columns.size()));
            for (ColumnDefinition41 c : columns) {
                seq = append(out, alloc, seq, c::encode);
            }
            if (!deprecateEof) {
                seq = append(out, alloc, seq, new EofPacket(0, statusFlags)::encode);
            }
            for (Object[] row : rows) {
                seq = append(out, alloc, seq, b -> writeRow(b, row));
            }
            if (deprecateEof) {
                append(out, alloc, seq, b -> OkPacket.of(0, 0, statusFlags, 0).encode(b, clientCaps, OkPacket.EOF_HEADER));
            } else {
                append(out, alloc, seq, new EofPacket(0, statusFlags)::encode);
            }
            ok = true;
            return out;
        } finally {
            if (!ok) {
                out.release();
            }
        }
    }

    private static int append(ByteBuf out, ByteBufAllocator alloc, int seq, java.util.function.Consumer<ByteBuf> payload) {
        ByteBuf packet = Packets.build(alloc, seq & 0xFF, payload);
        try {
            if (packet.readableBytes() - Frame.HEADER_SIZE >= Frame.MAX_PAYLOAD) {
                throw new IllegalArgumentException("a packet of Sluice's own result set exceeds 16 MiB");
            }
            out.writeBytes(packet);
        } finally {
            packet.release();
        }
        return (seq + 1) & 0xFF;
    }

    private static void writeRow(ByteBuf b, Object[] row) {
        for (Object v : row) {
            if (v == null) {
                b.writeByte(NULL);
            } else if (v instanceof Boolean flag) {
                Wire.writeLenencString(b, flag ? "1" : "0");
            } else {
                Wire.writeLenencBytes(b, v.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
