package io.sluice.bench.load;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Sluice's admin interface as the harness uses it, through Connector/J like an operator's client: taking backends
 * out of the rotation ({@code SET BACKEND <name> OFFLINE SOFT}) and back ({@code ONLINE}).
 *
 * @param port     where the admin interface listens, on loopback
 * @param user     its account
 * @param password the account's password, made up per run
 */
record SluiceAdmin(int port, String user, String password) {

    /** Takes {@code backends} (by name: the harness's configuration names them by address) out, or back in. */
    void offline(List<String> backends, boolean offline) {
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/";
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            for (String b : backends) {
                s.execute("SET BACKEND " + b + (offline ? " OFFLINE SOFT" : " ONLINE"));
            }
        } catch (SQLException e) {
            throw new HarnessException("Sluice's admin interface refused SET BACKEND: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SluiceAdmin[127.0.0.1:" + port + ", user " + user + "]";
    }
}
