package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

/**
 * The EOF packet (header 0xFE, payload under 9 bytes), which ends column definitions and rows unless
 * CLIENT_DEPRECATE_EOF is negotiated. 0xFE also starts an 8-byte length-encoded integer, so a row whose first
 * cell is 16 MiB or larger starts with 0xFE too; its payload is never shorter than 9 bytes, which is how the two
 * are told apart ({@link #isEof(int, int)}).
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_eof_packet.html">EOF_Packet</a>
 */
public record EofPacket(int warnings, int statusFlags) {
    public static final int HEADER = 0xFE;

    /** True when a packet with this first byte and payload length is an EOF (not a row starting with 0xFE). */
    public static boolean isEof(int firstByte, int payloadLength) {
        return firstByte == HEADER && payloadLength < 9;
    }

    /**
     * True when a packet ends a result set under either convention: a classic EOF, or the OK packet with an 0xFE
     * header that replaces it under CLIENT_DEPRECATE_EOF (which may be longer than 9 bytes, but is never a full
     * 16 MiB frame).
     */
    public static boolean isTerminator(int firstByte, int payloadLength, boolean deprecateEof) {
        return firstByte == HEADER && (deprecateEof ? payloadLength < 0xFFFFFF : payloadLength < 9);
    }

    public static EofPacket decode(ByteBuf buf) {
        int header = Wire.readInt1(buf, "EOF header");
        if (header != HEADER) {
            throw new MalformedPacketException("not an EOF packet: header 0x" + Integer.toHexString(header));
        }
        if (buf.readableBytes() < 4) {
            return new EofPacket(0, 0);
        }
        int warnings = buf.readUnsignedShortLE();
        int status = buf.readUnsignedShortLE();
        return new EofPacket(warnings, status);
    }

    public void encode(ByteBuf buf) {
        buf.writeByte(HEADER);
        buf.writeShortLE(warnings);
        buf.writeShortLE(statusFlags);
    }
}
