package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Capability;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's answer to the greeting (Protocol::HandshakeResponse41), or its shorter prefix, the SSLRequest, which
 * asks to switch to TLS before the rest is sent ({@link #sslRequest()} true; then only the first four fields are
 * set). Auth data is never logged: {@link #toString()} leaves it out.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_handshake_response.html">HandshakeResponse41</a>
 */
public record HandshakeResponse41(Capability capabilities, long maxPacketSize, int characterSet, String username,
                                  byte[] authResponse, String database, String authPluginName,
                                  Map<String, String> attributes, boolean sslRequest) {

    /** An SSLRequest is exactly the 32-byte fixed part of the response. */
    public static final int SSL_REQUEST_LENGTH = 32;

    public static HandshakeResponse41 decode(ByteBuf buf) {
        Wire.need(buf, 4, "client capability flags");
        long caps = buf.readUnsignedIntLE();
        if ((caps & Capability.PROTOCOL_41) == 0) {
            throw new MalformedPacketException("client does not speak protocol 4.1 (HandshakeResponse320 unsupported)");
        }
        long maxPacket = Wire.readInt4(buf, "max packet size");
        int charset = Wire.readInt1(buf, "character set");
        Wire.need(buf, 23, "filler");
        buf.skipBytes(23);
        Capability capability = new Capability(caps);
        if (!buf.isReadable() && capability.ssl()) {
            return new HandshakeResponse41(capability, maxPacket, charset, null, new byte[0], null, null, Map.of(), true);
        }
        String user = Wire.readNulString(buf, "user name");
        byte[] auth;
        if (capability.lenencAuthData()) {
            auth = Wire.readLenencBytes(buf, "auth response");
        } else if (capability.secureConnection()) {
            auth = Wire.readBytes(buf, Wire.readInt1(buf, "auth response length"), "auth response");
        } else {
            auth = Wire.readNulBytes(buf, "auth response");
        }
        String db = null;
        if (capability.connectWithDb() && buf.isReadable()) {
            db = Wire.readNulString(buf, "database");
        }
        String plugin = null;
        if (capability.pluginAuth() && buf.isReadable()) {
            // Some clients omit the terminating NUL on the last field.
            int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
            plugin = end < 0 ? Wire.readRestString(buf) : Wire.readNulString(buf, "auth plugin name");
        }
        Map<String, String> attrs = Map.of();
        if (capability.connectAttrs() && buf.isReadable()) {
            long total = Wire.readLenencInt(buf, "connection attributes length");
            if (total > buf.readableBytes()) {
                throw new MalformedPacketException("connection attributes length " + total + " past end of packet");
            }
            ByteBuf slice = buf.readSlice((int) total);
            Map<String, String> m = new LinkedHashMap<>();
            while (slice.isReadable()) {
                String k = Wire.readLenencString(slice, "attribute name");
                String v = Wire.readLenencString(slice, "attribute value");
                m.put(k, v);
            }
            attrs = Collections.unmodifiableMap(m);
        }
        return new HandshakeResponse41(capability, maxPacket, charset, user, auth, db, plugin, attrs, false);
    }

    public void encode(ByteBuf buf) {
        buf.writeIntLE((int) capabilities.bits());
        buf.writeIntLE((int) maxPacketSize);
        buf.writeByte(characterSet);
        buf.writeZero(23);
        if (sslRequest) {
            return;
        }
        Wire.writeNulString(buf, username);
        if (capabilities.lenencAuthData()) {
            Wire.writeLenencBytes(buf, authResponse);
        } else {
            buf.writeByte(authResponse.length);
            buf.writeBytes(authResponse);
        }
        if (capabilities.connectWithDb()) {
            Wire.writeNulString(buf, database == null ? "" : database);
        }
        if (capabilities.pluginAuth()) {
            Wire.writeNulString(buf, authPluginName == null ? "" : authPluginName);
        }
        if (capabilities.connectAttrs()) {
            ByteBuf tmp = buf.alloc().buffer();
            try {
                for (Map.Entry<String, String> e : attributes.entrySet()) {
                    Wire.writeLenencString(tmp, e.getKey());
                    Wire.writeLenencString(tmp, e.getValue());
                }
                Wire.writeLenencInt(buf, tmp.readableBytes());
                buf.writeBytes(tmp);
            } finally {
                tmp.release();
            }
        }
    }

    public static HandshakeResponse41 sslRequest(Capability caps, long maxPacket, int charset) {
        return new HandshakeResponse41(caps.with(Capability.SSL), maxPacket, charset, null, new byte[0], null, null,
                Map.of(), true);
    }

    @Override
    public String toString() {
        return "HandshakeResponse41[user=" + username + ", db=" + database + ", plugin=" + authPluginName
                + ", caps=" + capabilities + (sslRequest ? ", SSLRequest" : "") + "]";
    }
}
