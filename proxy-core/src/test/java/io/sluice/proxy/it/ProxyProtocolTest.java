package io.sluice.proxy.it;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.sluice.proxy.config.Cidr;
import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.sluice.proxy.it.AdminTest.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The PROXY protocol on the client listener, with a stand-in load balancer: a forwarder that opens a connection to
 * Sluice for each client, writes a v1 or v2 header naming the address it chooses, then relays bytes both ways. The
 * address in the header is what Sluice shows in {@code SHOW SESSIONS} and matches accounts' hosts against; a header
 * from an unlisted network, or no header from a listed one, is refused.
 */
@ExtendWith(ClusterExtension.class)
class ProxyProtocolTest {

    private static SluiceFixture start(SandboxCluster cluster, String... networks) {
        SluiceConfig config = SluiceFixture.withOperatorPorts(
                        SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults()))
                .withProxyProtocolNetworks(java.util.Arrays.stream(networks).map(Cidr::parse).toList())
                .withHandshakeTimeout(Duration.ofSeconds(1));
        return SluiceFixture.start(config);
    }

    private static Connection connect(int port, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/?user=" + user + "&password="
                + password + "&connectTimeout=5000&socketTimeout=10000");
    }

    private static Connection app(int port) throws SQLException {
        return connect(port, SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
    }

    private static Connection admin(SluiceFixture f) throws SQLException {
        return DriverManager.getConnection(ConnectorJ.url("127.0.0.1", f.adminPort(), "", SluiceFixture.ADMIN_USER,
                SluiceFixture.ADMIN_PASSWORD, "sslMode=DISABLED"));
    }

    private static byte[] v1(String source, int sourcePort, int destinationPort) {
        String family = source.contains(":") ? "TCP6" : "TCP4";
        String destination = source.contains(":") ? "::1" : "127.0.0.1";
        return ("PROXY " + family + " " + source + " " + destination + " " + sourcePort + " " + destinationPort + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A v2 (binary) header, written by Netty's encoder. */
    private static byte[] v2(HAProxyCommand command, String source, int sourcePort, int destinationPort) {
        boolean six = source.contains(":");
        HAProxyMessage m = new HAProxyMessage(HAProxyProtocolVersion.V2, command,
                six ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4, source, six ? "::1" : "127.0.0.1",
                sourcePort, destinationPort);
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(m);
            ByteBuf b = ch.readOutbound();
            try {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                return bytes;
            } finally {
                b.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static Map<String, String> sessionOf(SluiceFixture f, Connection client) throws SQLException {
        long id = client.unwrap(org.mariadb.jdbc.Connection.class).getThreadId();
        try (Connection a = admin(f)) {
            return query(a, "SHOW SESSIONS").row(Long.toString(id));
        }
    }

    @Test
    void v1AndV2HeadersFromAListedNetworkGiveTheClientAddress(SandboxCluster cluster) throws Exception {
        try (SluiceFixture f = start(cluster, "127.0.0.0/8", "::1/128")) {
            try (Forwarder lb = new Forwarder(f.port(), v1("127.0.0.1", 40001, f.port()));
                 Connection c = app(lb.port()); Statement s = c.createStatement()) {
                assertThat(ReadWriteSplitTest.who(s, "SELECT 'through the balancer'")).isEqualTo("through the balancer");
                assertThat(sessionOf(f, c)).containsEntry("client", "127.0.0.1:40001")
                        .containsEntry("user", SandboxAccounts.APP.user());
            }
            // v2 over IPv6: the account 'app'@'127.0.0.1' admits the loopback address ::1, as the server does.
            try (Forwarder lb = new Forwarder(f.port(), v2(HAProxyCommand.PROXY, "::1", 40002, f.port()));
                 Connection c = app(lb.port()); Statement s = c.createStatement()) {
                assertThat(ReadWriteSplitTest.who(s, "SELECT 'v2'")).isEqualTo("v2");
                assertThat(sessionOf(f, c)).containsEntry("client", "[::1]:40002");
            }
            // LOCAL (the balancer's own health check): the connection's own address.
            try (Forwarder lb = new Forwarder(f.port(), v2(HAProxyCommand.LOCAL, "127.0.0.1", 40003, f.port()));
                 Connection c = app(lb.port())) {
                assertThat(sessionOf(f, c).get("client")).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:40003");
            }
        }
    }

    @Test
    void accountsAreMatchedAgainstTheAddressInTheHeader(SandboxCluster cluster) throws Exception {
        try (SluiceFixture f = start(cluster, "127.0.0.0/8");
             Forwarder lb = new Forwarder(f.port(), v1("203.0.113.7", 40004, f.port()))) {
            // 'app' exists only at host 127.0.0.1: from 203.0.113.7 it is refused, as the server would refuse it.
            SQLException e = catchThrowableOfType(SQLException.class, () -> app(lb.port()).close());
            assertThat(e.getErrorCode()).isEqualTo(1045);
            assertThat(e.getMessage()).contains("Access denied for user 'app'@'203.0.113.7'");
        }
    }

    @Test
    void aListedNetworkMustSendAHeader(SandboxCluster cluster) throws Exception {
        try (SluiceFixture f = start(cluster, "127.0.0.0/8")) {
            long start = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> app(f.port()).close());
            assertThat(e.getErrorCode()).isEqualTo(1043);
            assertThat(e.getMessage()).contains("Bad handshake");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused after handshake_timeout (1 s)")
                    .isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void aHeaderFromAnUnlistedNetworkIsRefused(SandboxCluster cluster) throws Exception {
        try (SluiceFixture f = start(cluster, "10.0.0.0/8")) {
            try (Forwarder lb = new Forwarder(f.port(), v1("127.0.0.1", 40005, f.port()))) {
                SQLException e = catchThrowableOfType(SQLException.class, () -> app(lb.port()).close());
                assertThat((Throwable) e).isNotNull();
            }
            try (Forwarder lb = new Forwarder(f.port(), v2(HAProxyCommand.PROXY, "127.0.0.1", 40006, f.port()))) {
                assertThat((Throwable) catchThrowableOfType(SQLException.class, () -> app(lb.port()).close()))
                        .isNotNull();
            }
            // Loopback is not listed, so a plain client from it goes straight in.
            try (Connection c = app(f.port())) {
                assertThat(sessionOf(f, c).get("client")).startsWith("127.0.0.1:");
            }
        }
    }

    /** A stand-in load balancer: each connection gets the header, then bytes are relayed both ways. */
    static final class Forwarder implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Forwarder(int target, byte[] header) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                        sockets.add(client);
                        sockets.add(upstream);
                        upstream.getOutputStream().write(header);
                        pipe(client.getInputStream(), upstream.getOutputStream(), upstream);
                        pipe(upstream.getInputStream(), client.getOutputStream(), client);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "proxy-forwarder");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private static void pipe(InputStream in, OutputStream out, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // either side closed
                } finally {
                    try {
                        to.shutdownOutput();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }, "proxy-forwarder-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
