package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

/**
 * Extra authentication data from the server (header 0x01), used by {@code caching_sha2_password}: a single byte
 * 0x03 (fast authentication succeeded) or 0x04 (full authentication needed), or an RSA public key in PEM.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html">caching_sha2 exchanges</a>
 */
public record AuthMoreData(byte[] data) {
    public static final int HEADER = 0x01;
    public static final byte FAST_AUTH_SUCCESS = 0x03;
    public static final byte PERFORM_FULL_AUTHENTICATION = 0x04;

    public static AuthMoreData decode(ByteBuf buf) {
        int header = Wire.readInt1(buf, "auth more data header");
        if (header != HEADER) {
            throw new MalformedPacketException("not AuthMoreData: header 0x" + Integer.toHexString(header));
        }
        return new AuthMoreData(Wire.readBytes(buf, buf.readableBytes(), "auth data"));
    }

    public void encode(ByteBuf buf) {
        buf.writeByte(HEADER);
        buf.writeBytes(data);
    }

    public boolean is(byte status) {
        return data.length == 1 && data[0] == status;
    }
}
