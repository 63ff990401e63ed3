package io.sluice.proxy.session;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.sluice.proxy.auth.RsaKeys;
import io.sluice.proxy.auth.UserDirectory;
import io.sluice.proxy.metrics.ProxyMetrics;
import io.sluice.proxy.server.ConnectionRegistry;
import io.sluice.proxy.server.Lifecycle;

import java.time.Duration;

/**
 * What every client session shares: accounts, the connection registry, where to send statements, TLS material and
 * limits. Built once at start-up (and on reload) and handed to sessions through their constructor.
 *
 * @param clientTls        TLS offered to clients (null: none)
 * @param backendTls       TLS used towards backends (null: plain)
 * @param maxPacketSize    the largest client packet accepted after login ({@code max_allowed_packet})
 * @param handshakeTimeout how long a client may take from connect to the end of authentication
 * @param readTimeout      how long a client may stall in the middle of a packet ({@code net_read_timeout})
 * @param metrics          where sessions report what they do ({@link ProxyMetrics#NONE} counts nothing)
 * @param lifecycle        whether Sluice is draining: new commands are then refused with ERR 1053
 */
public record SessionServices(UserDirectory users, ConnectionRegistry registry, ServerIdentity identity,
                             Routes routes, SslContext clientTls, SslContext backendTls,
                             RsaKeys rsa, Class<? extends Channel> backendChannelType, long maxPacketSize,
                             Duration handshakeTimeout, Duration readTimeout, Duration connectTimeout,
                             StatementInspector inspector, LinkPools pools, ProxyMetrics metrics,
                             Lifecycle lifecycle) {
}
