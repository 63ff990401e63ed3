package io.sluice.proxy.session;

import io.sluice.protocol.Capability;
import io.sluice.protocol.message.HandshakeV10;

/**
 * What Sluice's greeting says about "the server": the backends' real version string (drivers pick their dialect
 * from it, and MariaDB's "5.5.5-" prefix must survive), their default character set, and the capabilities Sluice
 * can relay faithfully, which are the backends' intersected with {@link Capability#PROXY_SUPPORTED}.
 */
public record ServerIdentity(String serverVersion, int characterSet, Capability capabilities, boolean mariaDb) {

    public static ServerIdentity from(HandshakeV10 backendGreeting) {
        Capability caps = backendGreeting.capabilities().and(Capability.PROXY_SUPPORTED)
                .with(Capability.LONG_PASSWORD).without(Capability.SSL);
        return new ServerIdentity(backendGreeting.serverVersion(), backendGreeting.characterSet(), caps,
                backendGreeting.isMariaDb());
    }
}
