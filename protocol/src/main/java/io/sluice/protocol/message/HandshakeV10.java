package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The server's greeting (Protocol::HandshakeV10). Sluice decodes it from backends (their version string, their
 * capabilities, the scramble to answer) and encodes its own for clients.
 *
 * <p>The 20-byte scramble travels in two parts (8 bytes, then 12 more plus a NUL). MariaDB servers that clear
 * capability bit 0 put 4 bytes of extended capabilities in the last 4 bytes of the 10-byte filler.
 *
 * @param mariaDbExtended MariaDB extended capability flags (0 when absent)
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_v10.html">HandshakeV10</a>
 */
public record HandshakeV10(String serverVersion, long connectionId, byte[] scramble, Capability capabilities,
                           int characterSet, int statusFlags, String authPluginName, long mariaDbExtended) {

    public static final int PROTOCOL_VERSION = 10;

    public static HandshakeV10 decode(ByteBuf buf) {
        int protocol = Wire.readInt1(buf, "handshake protocol version");
        if (protocol == 0xFF) {
            ErrPacket err = ErrPacket.decodeAfterHeader(buf, true);
            throw new MalformedPacketException("server refused the connection: " + err.code() + " " + err.message());
        }
        if (protocol != PROTOCOL_VERSION) {
            throw new MalformedPacketException("unsupported handshake protocol version " + protocol);
        }
        String version = Wire.readNulString(buf, "server version");
        long connectionId = Wire.readInt4(buf, "connection id");
        byte[] part1 = Wire.readBytes(buf, 8, "auth-plugin-data-part-1");
        Wire.readInt1(buf, "filler");
        int capLow = Wire.readInt2(buf, "capability flags (lower)");
        int charset = 0;
        int status = 0;
        int capHigh = 0;
        int authDataLength = 0;
        long extended = 0;
        byte[] part2 = new byte[0];
        String plugin = "mysql_native_password";
        if (buf.isReadable()) {
            charset = Wire.readInt1(buf, "character set");
            status = Wire.readInt2(buf, "status flags");
            capHigh = Wire.readInt2(buf, "capability flags (upper)");
            authDataLength = Wire.readInt1(buf, "auth-plugin-data length");
            Wire.need(buf, 10, "reserved");
            buf.skipBytes(6);
            extended = buf.readUnsignedIntLE();
        }
        long caps = ((long) capHigh << 16) | capLow;
        if ((caps & Capability.SECURE_CONNECTION) != 0) {
            int len = Math.max(13, authDataLength - 8);
            // At least the 12 scramble bytes must be there; only the trailing NUL may be missing.
            Wire.need(buf, len - 1, "auth-plugin-data-part-2");
            part2 = Wire.readBytes(buf, Math.min(len, buf.readableBytes()), "auth-plugin-data-part-2");
            // The last byte of part 2 is a NUL terminator, not scramble.
            if (part2.length > 0 && part2[part2.length - 1] == 0) {
                part2 = Arrays.copyOf(part2, part2.length - 1);
            }
        }
        if ((caps & Capability.PLUGIN_AUTH) != 0 && buf.isReadable()) {
            int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
            plugin = end < 0 ? Wire.readRestString(buf) : Wire.readNulString(buf, "auth plugin name");
        }
        byte[] scramble = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, scramble, 0, part1.length);
        System.arraycopy(part2, 0, scramble, part1.length, part2.length);
        if ((caps & Capability.LONG_PASSWORD) != 0) {
            extended = 0;
        }
        return new HandshakeV10(version, connectionId, scramble, new Capability(caps), charset, status, plugin, extended);
    }

    public void encode(ByteBuf buf) {
        if (scramble.length != 20) {
            throw new IllegalStateException("scramble must be 20 bytes");
        }
        buf.writeByte(PROTOCOL_VERSION);
        Wire.writeNulString(buf, serverVersion);
        buf.writeIntLE((int) connectionId);
        buf.writeBytes(scramble, 0, 8);
        buf.writeByte(0);
        buf.writeShortLE(capabilities.lower16());
        buf.writeByte(characterSet);
        buf.writeShortLE(statusFlags);
        buf.writeShortLE(capabilities.upper16());
        buf.writeByte(scramble.length + 1);
        buf.writeZero(6);
        buf.writeIntLE((int) mariaDbExtended);
        buf.writeBytes(scramble, 8, 12);
        buf.writeByte(0);
        Wire.writeNulString(buf, authPluginName);
    }

    /** True for MariaDB servers, whose version string carries "MariaDB" (after the "5.5.5-" prefix of old clients). */
    public boolean isMariaDb() {
        return serverVersion.contains("MariaDB");
    }

    @Override
    public String toString() {
        return "HandshakeV10[version=" + serverVersion + ", id=" + connectionId + ", caps=" + capabilities
                + ", plugin=" + authPluginName + "]";
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
