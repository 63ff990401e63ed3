package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

/**
 * The first packet of a successful COM_STMT_PREPARE response; it says how many parameter and column definitions
 * follow, which is what the relay needs to find the end of the response.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_stmt_prepare.html">COM_STMT_PREPARE response</a>
 */
public record StmtPrepareOk(long statementId, int columns, int params, int warnings) {

    public static StmtPrepareOk decode(ByteBuf buf) {
        int header = Wire.readInt1(buf, "prepare OK header");
        if (header != 0) {
            throw new MalformedPacketException("not a COM_STMT_PREPARE OK: header 0x" + Integer.toHexString(header));
        }
        long id = Wire.readInt4(buf, "statement id");
        int columns = Wire.readInt2(buf, "column count");
        int params = Wire.readInt2(buf, "parameter count");
        int warnings = 0;
        if (buf.readableBytes() >= 3) {
            buf.skipBytes(1);
            warnings = buf.readUnsignedShortLE();
        }
        return new StmtPrepareOk(id, columns, params, warnings);
    }

    public void encode(ByteBuf buf) {
        buf.writeByte(0);
        buf.writeIntLE((int) statementId);
        buf.writeShortLE(columns);
        buf.writeShortLE(params);
        buf.writeByte(0);
        buf.writeShortLE(warnings);
    }
}
