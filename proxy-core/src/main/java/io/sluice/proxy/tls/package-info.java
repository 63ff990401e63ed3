/**
 * TLS for Sluice: the Netty {@link io.netty.handler.ssl.SslContext}s for the client-facing and backend sides
 * ({@link io.sluice.proxy.tls.TlsContexts}), and the RSA key pair of {@code caching_sha2_password}'s public-key exchange
 * ({@link io.sluice.proxy.tls.RsaKeyPair}).
 *
 * <p>MySQL switches to TLS in the middle of the handshake (after the client's SSLRequest packet), so the {@code SslHandler}s
 * made from these contexts are added to a live pipeline by the session, not installed when the channel is created. See
 * <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html">Connection Phase</a>.
 */
package io.sluice.proxy.tls;
