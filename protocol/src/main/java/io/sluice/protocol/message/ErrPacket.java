package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.error.MalformedPacketException;

import java.nio.charset.StandardCharsets;

/**
 * The ERR packet (header 0xFF): error code, SQLSTATE (after a '#' marker under protocol 4.1) and message.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_err_packet.html">ERR_Packet</a>
 */
public record ErrPacket(int code, String sqlState, String message) {
    public static final int HEADER = 0xFF;

    public static ErrPacket of(ErrorCode error, Object... args) {
        return new ErrPacket(error.code(), error.sqlState(), error.format(args));
    }

    /** Decodes a whole ERR payload, header byte included. */
    public static ErrPacket decode(ByteBuf buf) {
        int header = Wire.readInt1(buf, "ERR header");
        if (header != HEADER) {
            throw new MalformedPacketException("not an ERR packet: header 0x" + Integer.toHexString(header));
        }
        return decodeAfterHeader(buf, false);
    }

    static ErrPacket decodeAfterHeader(ByteBuf buf, boolean beforeHandshake) {
        int code = Wire.readInt2(buf, "error code");
        String state = "HY000";
        // Errors sent before the handshake (e.g. "Too many connections") carry no SQLSTATE marker.
        if (!beforeHandshake && buf.isReadable() && buf.getByte(buf.readerIndex()) == '#') {
            Wire.need(buf, 6, "SQLSTATE");
            buf.skipBytes(1);
            state = buf.readCharSequence(5, StandardCharsets.US_ASCII).toString();
        }
        return new ErrPacket(code, state, Wire.readRestString(buf));
    }

    public void encode(ByteBuf buf) {
        buf.writeByte(HEADER);
        buf.writeShortLE(code);
        buf.writeByte('#');
        buf.writeCharSequence(sqlState, StandardCharsets.US_ASCII);
        buf.writeCharSequence(message, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ERROR " + code + " (" + sqlState + "): " + message;
    }
}
