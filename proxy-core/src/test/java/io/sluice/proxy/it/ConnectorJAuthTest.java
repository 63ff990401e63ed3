package io.sluice.proxy.it;

import io.sluice.proxy.it.ConnectorJ.SqlError;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Connector/J's logins to Sluice: TLS, {@code caching_sha2_password} (full authentication over TLS, then the fast
 * path; the RSA key exchange without TLS), a wrong password, and an account created on the source while Sluice runs.
 */
@ExtendWith(ClusterExtension.class)
class ConnectorJAuthTest {
    private static final String SHA2 = "defaultAuthenticationPlugin=caching_sha2_password";
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;
    private static String db;

    @BeforeAll
    static void start(SandboxCluster sandbox) throws SQLException {
        cluster = sandbox;
        db = ConnectorJ.uniqueName("cj_auth");
        ConnectorJ.createDatabase(cluster, db);
        ConnectorJ.asRoot(cluster, "CREATE TABLE " + db + ".t (id INT PRIMARY KEY)", "INSERT INTO " + db + ".t VALUES (7)");
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() throws SQLException {
        if (sluice != null) {
            sluice.close();
        }
        ConnectorJ.dropDatabase(cluster, db);
    }

    /**
     * Connector/J reads caching_sha2_password's AuthMoreData packets the pre-5.5.16 way (without their 0x01 header)
     * when the server version it is shown is that old, and MariaDB is shown as "5.5.5-10.x" for the sake of old
     * clients. So Connector/J can do caching_sha2 only in front of MySQL (the Testcontainers flavour); in front of
     * MariaDB the same exchanges are covered with libmariadb in {@link CachingSha2CliTest}.
     */
    private static void assumeMySqlIdentity() {
        assumeFalse(sluice.sluice().services().identity().mariaDb(),
                "Connector/J cannot use caching_sha2_password with a server that announces '"
                        + sluice.sluice().services().identity().serverVersion()
                        + "' (it treats it as older than 5.5.16); covered by CachingSha2CliTest with libmariadb");
    }

    private static String viaSluice(String user, String password, String props) {
        return ConnectorJ.url("127.0.0.1", sluice.port(), db, user, password, props);
    }

    /** The user as the backend sees it and a row of the test table: what a logged-in session can do. */
    private static String whoAmI(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURRENT_USER(), id FROM t")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1) + " " + rs.getInt(2);
        }
    }

    /** Creates an account on the source and waits until Sluice's account refresh has loaded it. */
    private static String createUser(String prefix, String password) throws SQLException {
        String user = ConnectorJ.uniqueName(prefix);
        ConnectorJ.asRoot(cluster, "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'",
                "GRANT SELECT ON " + db + ".* TO '" + user + "'@'%'");
        await().atMost(Duration.ofSeconds(5)).until(() ->
                sluice.sluice().users().find(user, InetAddress.getLoopbackAddress()).isPresent());
        return user;
    }

    private static void dropUser(String user) throws SQLException {
        ConnectorJ.asRoot(cluster, "DROP USER IF EXISTS '" + user + "'@'%'");
    }

    @Test
    void sslModeRequiredEncryptsTheConnectionToSluice() throws SQLException {
        String app = SandboxAccounts.APP.user();
        String pw = SandboxAccounts.APP.password();
        String direct;
        try (Connection c = DriverManager.getConnection(ConnectorJ.directUrl(cluster, db, ""))) {
            direct = whoAmI(c);
        }
        try (Connection c = DriverManager.getConnection(viaSluice(app, pw, "sslMode=REQUIRED"))) {
            assertThat(ConnectorJ.tlsEstablished(c)).isTrue();
            assertThat(whoAmI(c)).isEqualTo(direct);
        }
        try (Connection c = DriverManager.getConnection(viaSluice(app, pw, "sslMode=DISABLED"))) {
            assertThat(ConnectorJ.tlsEstablished(c)).isFalse();
            assertThat(whoAmI(c)).isEqualTo(direct);
        }
        // Sluice's generated certificate is self-signed: a client that verifies it against the JDK's CAs refuses it,
        // which shows the TLS handshake is real and with Sluice's own certificate.
        SQLException refused = catchThrowableOfType(SQLException.class,
                () -> DriverManager.getConnection(viaSluice(app, pw, "sslMode=VERIFY_CA")).close());
        assertThat((Throwable) refused).isNotNull();
        assertThat((Throwable) refused).hasRootCauseInstanceOf(java.security.cert.CertPathValidatorException.class);
    }

    /**
     * Connector/J often sends its TLS ClientHello in the same read as the SSLRequest. The frame decoder used to read
     * that ClientHello as a packet header (a 197,398-byte packet, over the limit before login) and the login hung
     * until the TLS handshake timed out: about one login in ten here. Thirty in a row must all get TLS.
     */
    @Test
    void tlsLoginsInARowAllSucceed() throws SQLException {
        for (int i = 0; i < 30; i++) {
            try (Connection c = DriverManager.getConnection(viaSluice(SandboxAccounts.APP.user(),
                    SandboxAccounts.APP.password(), "sslMode=REQUIRED&connectTimeout=5000&socketTimeout=10000"))) {
                assertThat(ConnectorJ.tlsEstablished(c)).as("login %d", i).isTrue();
            }
        }
    }

    @Test
    void cachingSha2OverTlsDoesFullAuthenticationThenTheFastPath() throws SQLException {
        assumeMySqlIdentity();
        String user = createUser("cj_sha2tls", "Sha2-tls-pw");
        try {
            // Nothing cached yet: without TLS and without the public key, full authentication cannot happen.
            SQLException noKey = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
                    viaSluice(user, "Sha2-tls-pw", SHA2 + "&sslMode=DISABLED")).close());
            assertThat((Throwable) noKey).isNotNull().hasMessageContaining("Public Key Retrieval is not allowed");

            try (Connection c = DriverManager.getConnection(viaSluice(user, "Sha2-tls-pw", SHA2 + "&sslMode=REQUIRED"))) {
                assertThat(ConnectorJ.tlsEstablished(c)).isTrue();
                assertThat(whoAmI(c)).isEqualTo(user + "@% 7");
            }
            // Cached now: the same login without TLS and without the key succeeds only through the fast path.
            try (Connection c = DriverManager.getConnection(viaSluice(user, "Sha2-tls-pw", SHA2 + "&sslMode=DISABLED"))) {
                assertThat(ConnectorJ.tlsEstablished(c)).isFalse();
                assertThat(whoAmI(c)).isEqualTo(user + "@% 7");
            }
            // And the fast path still refuses a wrong password.
            SQLException wrong = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
                    viaSluice(user, "wrong", SHA2 + "&sslMode=DISABLED")).close());
            assertThat((Throwable) wrong).isNotNull();
            assertThat(SqlError.of(wrong)).extracting(SqlError::code, SqlError::sqlState).containsExactly(1045, "28000");
        } finally {
            dropUser(user);
        }
    }

    @Test
    void cachingSha2WithoutTlsUsesTheRsaKeyExchange() throws SQLException {
        assumeMySqlIdentity();
        String user = createUser("cj_sha2rsa", "Sha2-rsa-pw");
        try {
            try (Connection c = DriverManager.getConnection(viaSluice(user, "Sha2-rsa-pw",
                    SHA2 + "&sslMode=DISABLED&allowPublicKeyRetrieval=true"))) {
                assertThat(ConnectorJ.tlsEstablished(c)).isFalse();
                assertThat(whoAmI(c)).isEqualTo(user + "@% 7");
            }
            SQLException wrong = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(viaSluice(
                    user, "wrong", SHA2 + "&sslMode=DISABLED&allowPublicKeyRetrieval=true")).close());
            assertThat((Throwable) wrong).isNotNull();
            assertThat(SqlError.of(wrong)).extracting(SqlError::code, SqlError::sqlState).containsExactly(1045, "28000");
        } finally {
            dropUser(user);
        }
    }

    @Test
    void wrongPasswordIsRefusedLikeTheServerRefusesIt() throws SQLException {
        String app = SandboxAccounts.APP.user();
        SQLException direct = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
                ConnectorJ.url(cluster.source().host(), cluster.source().port(), db, app, "not-the-password",
                        "sslMode=DISABLED")).close());
        SQLException viaSluice = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(
                viaSluice(app, "not-the-password", "sslMode=DISABLED")).close());
        assertThat(SqlError.of(viaSluice)).isEqualTo(new SqlError(1045, "28000",
                "Access denied for user 'app'@'127.0.0.1' (using password: YES)"));
        assertThat(SqlError.of(viaSluice)).isEqualTo(SqlError.of(direct));
    }

    @Test
    void accountCreatedAtRunTimeLogsInWithoutAnyConfigChange() throws SQLException {
        String user = ConnectorJ.uniqueName("rt");
        ConnectorJ.asRoot(cluster, "CREATE USER '" + user + "'@'%' IDENTIFIED BY 'Run-time-pw'",
                "GRANT SELECT ON " + db + ".* TO '" + user + "'@'%'");
        try {
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> {
                try (Connection c = DriverManager.getConnection(viaSluice(user, "Run-time-pw", "sslMode=DISABLED"))) {
                    assertThat(whoAmI(c)).isEqualTo(user + "@% 7");
                }
            });
        } finally {
            dropUser(user);
        }
    }
}
