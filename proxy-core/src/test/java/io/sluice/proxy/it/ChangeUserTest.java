package io.sluice.proxy.it;

import com.mysql.cj.jdbc.JdbcConnection;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.testing.ClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * COM_CHANGE_USER, which neither the {@code mariadb} CLI nor MariaDB Connector/J can send: MySQL Connector/J's
 * {@link JdbcConnection#changeUser(String, String)} does. Same calls through Sluice and direct, same results.
 */
@ExtendWith(ClusterExtension.class)
class ChangeUserTest {
    @Test
    void changeUserSwitchesAccountAndResetsTheSession(SandboxCluster cluster) throws Exception {
        try (SluiceFixture sluice = SluiceFixture.start(cluster)) {
            List<String> direct = scenario("jdbc:mysql://127.0.0.1:" + cluster.source().port() + "/");
            List<String> proxied = scenario("jdbc:mysql://127.0.0.1:" + sluice.port() + "/");
            assertThat(direct).containsExactly("app@127.0.0.1|set", "root@127.0.0.1|null",
                    "app@127.0.0.1|null", "error 1045 28000", "app@127.0.0.1|null");
            assertThat(proxied).containsExactlyElementsOf(direct);
        }
    }

    private static List<String> scenario(String base) throws SQLException {
        List<String> out = new ArrayList<>();
        String url = base + "?user=" + SandboxAccounts.APP.user() + "&password=" + SandboxAccounts.APP.password()
                + "&sslMode=DISABLED&allowPublicKeyRetrieval=true";
        try (Connection c = DriverManager.getConnection(url)) {
            JdbcConnection mysql = c.unwrap(JdbcConnection.class);
            execute(c, "SET @marker = 'set'");
            out.add(whoAndMarker(c));
            mysql.changeUser(SandboxAccounts.ROOT.user(), SandboxAccounts.ROOT.password());
            out.add(whoAndMarker(c));
            mysql.changeUser(SandboxAccounts.APP.user(), SandboxAccounts.APP.password());
            out.add(whoAndMarker(c));
            try {
                mysql.changeUser(SandboxAccounts.ROOT.user(), "wrong password");
                out.add("no error");
            } catch (SQLException e) {
                out.add("error " + e.getErrorCode() + " " + e.getSQLState());
            }
        }
        // A failed change-user leaves the connection unusable; a new one still works.
        try (Connection c = DriverManager.getConnection(url)) {
            out.add(whoAndMarker(c));
        }
        return out;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String whoAndMarker(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT CURRENT_USER(), @marker")) {
            rs.next();
            return rs.getString(1) + "|" + rs.getString(2);
        }
    }
}
