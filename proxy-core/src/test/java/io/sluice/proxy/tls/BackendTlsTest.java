package io.sluice.proxy.tls;

import io.sluice.proxy.config.PoolConfig;
import io.sluice.proxy.config.RoutingConfig;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.config.TlsConfig;
import io.sluice.proxy.it.SluiceFixture;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tls.backend: true} against real servers: a cluster whose servers hold a certificate for 127.0.0.1 issued
 * by a test CA, and Sluice verifying it (CA and host name) on every connection it opens to them. What crosses the
 * relay must come through whole although TLS cuts the backend's stream into records of its own: a result set of
 * megabytes, a server-side prepared statement (whose OK Sluice rewrites), a write whose OK carries the GTID that
 * read-your-writes follows. The client side stays in the clear, so what is checked is Sluice's own TLS.
 */
class BackendTlsTest {
    private static final int ROWS = 5000;
    /** Rows of 700 to 999 bytes: about 4 MB in all, hundreds of TLS records that split frames anywhere. */
    private static final String BIG = "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 99)"
            + " SELECT a.n * 50 + b.n + 1 AS k, REPEAT(CHAR(65 + (a.n * 50 + b.n + 1) % 26), 700 + (a.n * 50 + b.n + 1) % 300)"
            + " FROM s a JOIN s b ON b.n < 50 ORDER BY k"; // 100 x 50 rows: a recursion stops at 1,000 by default
    private static final String CIPHER =
            "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher'";

    @TempDir
    static Path pkiDir;
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki();
        KeyPair key = TestPki.rsa();
        Path cert = TestPki.writePem(pkiDir.resolve("server-cert.pem"), pki.issueForLoopback(key));
        Path keyFile = TestPki.writePkcs1Key(pkiDir.resolve("server-key.pem"), key);
        Path ca = TestPki.writePem(pkiDir.resolve("ca.pem"), pki.caCert);
        cluster = SandboxCluster.start(SandboxOptions.defaults().withReplicas(1).withExtraServerArgs(
                List.of("--ssl-cert=" + cert, "--ssl-key=" + keyFile, "--ssl-ca=" + ca)));
        cluster.source().execute("CREATE DATABASE tls_it; CREATE TABLE tls_it.t (id INT PRIMARY KEY, v VARCHAR(64))");
        cluster.awaitReplicasCaughtUp(Duration.ofSeconds(30));
        SluiceConfig config = SluiceFixture.splittingConfig(cluster, RoutingConfig.defaults(), PoolConfig.defaults())
                .withTls(new TlsConfig(Optional.empty(), true, Optional.of(ca), true));
        sluice = SluiceFixture.start(config);
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Connection connect(String extra) throws Exception {
        return DriverManager.getConnection(sluice.mysqlUrl(SandboxAccounts.APP.user(), SandboxAccounts.APP.password(),
                "sslMode=DISABLED" + extra));
    }

    private static String one(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void readsAndWritesRunOnEncryptedBackendConnections() throws Exception {
        try (Connection c = connect(""); Statement s = c.createStatement()) {
            // A read goes to the replica, a hinted one to the source: each answers on its own connection from Sluice.
            assertThat(one(s, CIPHER)).as("cipher of the replica connection").isNotBlank();
            assertThat(one(s, "/* sluice:source */ " + CIPHER)).as("cipher of the source connection").isNotBlank();
            assertThat(one(s, "SELECT @@hostname IS NOT NULL")).isEqualTo("1");
        }
    }

    @Test
    void aResultSetOfMegabytesComesThroughWhole() throws Exception {
        try (Connection c = connect(""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(BIG)) {
            int n = 0;
            long bytes = 0;
            while (rs.next()) {
                n++;
                assertThat(rs.getInt(1)).isEqualTo(n);
                String v = rs.getString(2);
                assertThat(v).hasSize(700 + n % 300);
                char expected = (char) ('A' + n % 26);
                assertThat(v.chars().allMatch(ch -> ch == expected)).as("row %d", n).isTrue();
                bytes += v.length();
            }
            assertThat(n).isEqualTo(ROWS);
            assertThat(bytes).isGreaterThan(4_000_000L);
        }
    }

    @Test
    void preparedStatementsAndReadYourWrites() throws Exception {
        try (Connection c = connect("&useServerPrepStmts=true&cachePrepStmts=false");
             PreparedStatement insert = c.prepareStatement("INSERT INTO tls_it.t (id, v) VALUES (?, ?)");
             PreparedStatement select = c.prepareStatement("SELECT v FROM tls_it.t WHERE id = ?")) {
            for (int i = 1; i <= 50; i++) {
                insert.setInt(1, i);
                insert.setString(2, "row " + i);
                assertThat(insert.executeUpdate()).isEqualTo(1);
                // Under session consistency the read right after the write must find it, wherever it runs.
                select.setInt(1, i);
                try (ResultSet rs = select.executeQuery()) {
                    assertThat(rs.next()).as("row %d read after its write", i).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("row " + i);
                }
            }
        }
    }
}
