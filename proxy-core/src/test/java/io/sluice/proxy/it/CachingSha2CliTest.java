package io.sluice.proxy.it;

import io.sluice.proxy.auth.Account;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code caching_sha2_password} logins through Sluice with libmariadb (the {@code mariadb} client with
 * {@code --default-auth=caching_sha2_password}), for accounts created on the source at run time: full
 * authentication over TLS, then the fast path from Sluice's cache; the RSA key exchange without TLS; a wrong
 * password refused by each path. The backends are MariaDB, which has no caching_sha2 plugin: Sluice checks the
 * clear-text password against the account's native hash, then logs in to the backend with it.
 */
@ExtendWith(ClusterExtension.class)
class CachingSha2CliTest {
    private static final String SHA2 = "--default-auth=caching_sha2_password";
    private static SandboxCluster cluster;
    private static SluiceFixture sluice;

    @BeforeAll
    static void start(SandboxCluster shared) {
        cluster = shared;
        sluice = SluiceFixture.start(cluster);
    }

    @AfterAll
    static void stop() {
        if (sluice != null) {
            sluice.close();
        }
    }

    @Test
    void fullAuthenticationOverTlsThenTheFastPath() throws Exception {
        String user = createUser("sha_tls", "Tls-pw-1");
        try {
            assertThat(cachedHash(user)).as("nothing cached before the first login").isFalse();
            CliTest.Run tls = login(user, "Tls-pw-1", "--ssl");
            assertThat(tls.exitCode()).as(tls.stderr()).isZero();
            assertThat(tls.stdout()).contains(user + "@%");
            assertThat(cachedHash(user)).as("full authentication fills the fast-path cache").isTrue();

            CliTest.Run fast = login(user, "Tls-pw-1", "--skip-ssl");
            assertThat(fast.exitCode()).as(fast.stderr()).isZero();
            assertThat(fast.stdout()).contains(user + "@%");

            CliTest.Run wrong = login(user, "not-it", "--skip-ssl");
            assertThat(wrong.exitCode()).isNotZero();
            assertThat(wrong.stderr()).contains("ERROR 1045 (28000)", "Access denied for user '" + user + "'");
        } finally {
            dropUser(user);
        }
    }

    @Test
    void rsaKeyExchangeWithoutTls() throws Exception {
        String user = createUser("sha_rsa", "Rsa-pw-2");
        try {
            CliTest.Run wrong = login(user, "not-it", "--skip-ssl");
            assertThat(wrong.exitCode()).isNotZero();
            assertThat(wrong.stderr()).contains("ERROR 1045 (28000)");
            assertThat(cachedHash(user)).as("a failed login caches nothing").isFalse();

            CliTest.Run rsa = login(user, "Rsa-pw-2", "--skip-ssl");
            assertThat(rsa.exitCode()).as(rsa.stderr()).isZero();
            assertThat(rsa.stdout()).contains(user + "@%");
            assertThat(cachedHash(user)).isTrue();
        } finally {
            dropUser(user);
        }
    }

    private static CliTest.Run login(String user, String password, String tls) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/mariadb", "--no-defaults", "--protocol=TCP",
                "-h127.0.0.1", "-P" + sluice.port(), "-u" + user, "-p" + password, SHA2, tls, "--batch",
                "-e", "SELECT CURRENT_USER()"));
        return CliTest.run(command, "");
    }

    private static boolean cachedHash(String user) {
        Account account = sluice.sluice().users().find(user, InetAddress.getLoopbackAddress()).orElseThrow();
        return sluice.sluice().users().sha2CacheEntry(account) != null;
    }

    private static String createUser(String prefix, String password) {
        String user = prefix + "_" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
        cluster.source().execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'");
        cluster.source().execute("GRANT SELECT ON *.* TO '" + user + "'@'%'");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                sluice.sluice().users().find(user, InetAddress.getLoopbackAddress()).isPresent());
        return user;
    }

    private static void dropUser(String user) {
        cluster.source().execute("DROP USER '" + user + "'@'%'");
    }
}
