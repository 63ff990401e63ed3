package io.sluice.protocol.message;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.Wire;
import io.sluice.protocol.error.MalformedPacketException;

import java.util.Arrays;

/**
 * Asks the client to authenticate with another plugin (header 0xFE during authentication), carrying that plugin's
 * data, usually a fresh 20-byte scramble followed by a NUL.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_packets_protocol_auth_switch_request.html">AuthSwitchRequest</a>
 */
public record AuthSwitchRequest(String pluginName, byte[] pluginData) {
    public static final int HEADER = 0xFE;

    public static AuthSwitchRequest decode(ByteBuf buf) {
        int header = Wire.readInt1(buf, "auth switch header");
        if (header != HEADER) {
            throw new MalformedPacketException("not an AuthSwitchRequest: header 0x" + Integer.toHexString(header));
        }
        String plugin = Wire.readNulString(buf, "plugin name");
        byte[] data = Wire.readBytes(buf, buf.readableBytes(), "plugin data");
        if (data.length > 0 && data[data.length - 1] == 0) {
            data = Arrays.copyOf(data, data.length - 1);
        }
        return new AuthSwitchRequest(plugin, data);
    }

    public void encode(ByteBuf buf) {
        buf.writeByte(HEADER);
        Wire.writeNulString(buf, pluginName);
        buf.writeBytes(pluginData);
        buf.writeByte(0);
    }
}
