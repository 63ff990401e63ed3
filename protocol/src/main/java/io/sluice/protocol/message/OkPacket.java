package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Capability;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

import java.nio.charset.StandardCharsets;

/**
 * The OK packet (header 0x00, or 0xFE when it stands in for EOF under CLIENT_DEPRECATE_EOF). The caller knows from
 * the phase which header it is looking at; this type decodes the body after the header byte.
 *
 * <p>With CLIENT_SESSION_TRACK the info string is length-encoded and, when SERVER_SESSION_STATE_CHANGED is set, is
 * followed by the session-state block, kept here as raw bytes ({@link #sessionState()}) for the tracker to parse.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html">OK_Packet</a>
 */
public record OkPacket(long affectedRows, long lastInsertId, int statusFlags, int warnings, String info,
                       byte[] sessionState) {

    public static final int HEADER = 0x00;
    public static final int EOF_HEADER = 0xFE;
    private static final byte[] NONE = new byte[0];

    public static OkPacket of(long affectedRows, long lastInsertId, int statusFlags, int warnings) {
        return new OkPacket(affectedRows, lastInsertId, statusFlags, warnings, "", NONE);
    }

    /** Decodes a whole OK payload, header byte included. */
    public static OkPacket decode(ByteBuf buf, Capability caps) {
        int header = Wire.readInt1(buf, "OK header");
        if (header != HEADER && header != EOF_HEADER) {
            throw new MalformedPacketException("not an OK packet: header 0x" + Integer.toHexString(header));
        }
        long affected = Wire.readLenencInt(buf, "affected rows");
        long insertId = Wire.readLenencInt(buf, "last insert id");
        int status = 0;
        int warnings = 0;
        if (caps.protocol41()) {
            status = Wire.readInt2(buf, "status flags");
            warnings = Wire.readInt2(buf, "warnings");
        } else if (caps.has(Capability.TRANSACTIONS)) {
            status = Wire.readInt2(buf, "status flags");
        }
        String info = "";
        byte[] state = NONE;
        if (caps.sessionTrack()) {
            if (buf.isReadable()) {
                info = Wire.readLenencString(buf, "info");
            }
            if (ServerStatus.has(status, ServerStatus.SESSION_STATE_CHANGED) && buf.isReadable()) {
                state = Wire.readLenencBytes(buf, "session state info");
            }
        } else {
            info = buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.UTF_8);
            buf.skipBytes(buf.readableBytes());
        }
        return new OkPacket(affected, insertId, status, warnings, info, state);
    }

    public void encode(ByteBuf buf, Capability caps) {
        encode(buf, caps, HEADER);
    }

    public void encode(ByteBuf buf, Capability caps, int header) {
        buf.writeByte(header);
        Wire.writeLenencInt(buf, affectedRows);
        Wire.writeLenencInt(buf, lastInsertId);
        buf.writeShortLE(statusFlags);
        buf.writeShortLE(warnings);
        if (caps.sessionTrack()) {
            byte[] infoBytes = info.getBytes(StandardCharsets.UTF_8);
            if (infoBytes.length > 0 || sessionState.length > 0) {
                Wire.writeLenencBytes(buf, infoBytes);
            }
            if (sessionState.length > 0) {
                Wire.writeLenencBytes(buf, sessionState);
            }
        } else {
            buf.writeBytes(info.getBytes(StandardCharsets.UTF_8));
        }
    }

    public boolean moreResults() {
        return ServerStatus.has(statusFlags, ServerStatus.MORE_RESULTS_EXISTS);
    }

    public boolean inTransaction() {
        return ServerStatus.has(statusFlags, ServerStatus.IN_TRANS);
    }
}
