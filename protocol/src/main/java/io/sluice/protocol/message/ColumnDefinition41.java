package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;

/**
 * A column definition (Protocol::ColumnDefinition41). The relay passes these through untouched; Sluice decodes
 * them only for result sets it consumes itself (monitor queries) or writes itself (admin, intercepted statements).
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html">Column Definition</a>
 */
public record ColumnDefinition41(String schema, String table, String orgTable, String name, String orgName,
                                 int characterSet, long columnLength, int type, int flags, int decimals) {
    public static final int TYPE_LONGLONG = 0x08;
    public static final int TYPE_VAR_STRING = 0xFD;
    public static final int CHARSET_UTF8MB4 = 45;
    public static final int CHARSET_BINARY = 63;

    /** A text column as Sluice reports it in result sets of its own. */
    public static ColumnDefinition41 text(String name) {
        return new ColumnDefinition41("", "", "", name, name, CHARSET_UTF8MB4, 1024, TYPE_VAR_STRING, 0, 0);
    }

    public static ColumnDefinition41 bigint(String name) {
        return new ColumnDefinition41("", "", "", name, name, CHARSET_BINARY, 20, TYPE_LONGLONG, 0x20 /* BINARY */, 0);
    }

    public static ColumnDefinition41 decode(ByteBuf buf) {
        Wire.readLenencString(buf, "catalog");
        String schema = Wire.readLenencString(buf, "schema");
        String table = Wire.readLenencString(buf, "table");
        String orgTable = Wire.readLenencString(buf, "org_table");
        String name = Wire.readLenencString(buf, "name");
        String orgName = Wire.readLenencString(buf, "org_name");
        Wire.readLenencInt(buf, "fixed fields length");
        int charset = Wire.readInt2(buf, "character set");
        long length = Wire.readInt4(buf, "column length");
        int type = Wire.readInt1(buf, "type");
        int flags = Wire.readInt2(buf, "flags");
        int decimals = Wire.readInt1(buf, "decimals");
        buf.skipBytes(Math.min(2, buf.readableBytes()));
        return new ColumnDefinition41(schema, table, orgTable, name, orgName, charset, length, type, flags, decimals);
    }

    public void encode(ByteBuf buf) {
        Wire.writeLenencString(buf, "def");
        Wire.writeLenencString(buf, schema);
        Wire.writeLenencString(buf, table);
        Wire.writeLenencString(buf, orgTable);
        Wire.writeLenencString(buf, name);
        Wire.writeLenencString(buf, orgName);
        buf.writeByte(0x0C);
        buf.writeShortLE(characterSet);
        buf.writeIntLE((int) columnLength);
        buf.writeByte(type);
        buf.writeShortLE(flags);
        buf.writeByte(decimals);
        buf.writeZero(2);
    }
}
