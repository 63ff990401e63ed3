package io.sluice.proxy.it;

import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxServer;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Helpers for the Connector/J tests that run the same JDBC code once against the source directly and once through
 * Sluice, and compare what the driver saw: values, column metadata, update counts, warnings, errors. Everything is
 * reduced to plain records so that one {@code isEqualTo} compares it all and a failure prints both sides.
 */
final class ConnectorJ {
    /** Where a scenario runs. */
    enum Path { DIRECT, SLUICE }

    private ConnectorJ() {
    }

    /** A JDBC call on one connection. */
    @FunctionalInterface
    interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    /** Column metadata as the driver reports it. */
    record Column(String label, String name, String table, int jdbcType, String typeName, int precision, int scale,
                  String className, int nullable, boolean signed) {
    }

    /** A result set, read whole. */
    record Table(List<Column> columns, List<List<Object>> rows) {
    }

    /** A statement's update count, in a sequence of results. */
    record UpdateCount(long count) {
    }

    /** What a client sees of an error or warning. */
    record SqlError(int code, String sqlState, String message) {
        static SqlError of(SQLException e) {
            return new SqlError(e.getErrorCode(), e.getSQLState(), e.getMessage());
        }
    }

    static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** A Connector/J URL to the source, as the app user, without TLS, plus {@code extra} properties. */
    static String directUrl(SandboxCluster cluster, String database, String extra) {
        SandboxServer source = cluster.source();
        return url(source.host(), source.port(), database, SandboxAccounts.APP.user(), SandboxAccounts.APP.password(),
                "sslMode=DISABLED" + (extra.isEmpty() ? "" : "&" + extra));
    }

    /** The same URL through Sluice. */
    static String sluiceUrl(SluiceFixture sluice, String database, String extra) {
        return url("127.0.0.1", sluice.port(), database, SandboxAccounts.APP.user(), SandboxAccounts.APP.password(),
                "sslMode=DISABLED" + (extra.isEmpty() ? "" : "&" + extra));
    }

    static String url(String host, int port, String database, String user, String password, String props) {
        return "jdbc:mysql://" + host + ":" + port + "/" + database + "?user=" + enc(user) + "&password=" + enc(password)
                + (props.isEmpty() ? "" : "&" + props);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Runs {@code body} directly and through Sluice, with the same properties, and returns both outcomes. */
    static <T> java.util.List<T> both(SandboxCluster cluster, SluiceFixture sluice, String database, String extra,
                                      SqlFunction<T> body) throws SQLException {
        T direct = with(directUrl(cluster, database, extra), body);
        T viaSluice = with(sluiceUrl(sluice, database, extra), body);
        return java.util.List.of(direct, viaSluice);
    }

    static <T> T with(String url, SqlFunction<T> body) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            return body.apply(c);
        }
    }

    /** Runs {@code sql} as root on the source, directly (set-up and clean-up, never what is compared). */
    static void asRoot(SandboxCluster cluster, String... sql) throws SQLException {
        SandboxServer source = cluster.source();
        try (Connection c = DriverManager.getConnection(url(source.host(), source.port(), "",
                SandboxAccounts.ROOT.user(), SandboxAccounts.ROOT.password(), "sslMode=DISABLED&allowMultiQueries=true"));
             Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    static void createDatabase(SandboxCluster cluster, String db) throws SQLException {
        asRoot(cluster, "CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
    }

    static void dropDatabase(SandboxCluster cluster, String db) throws SQLException {
        asRoot(cluster, "DROP DATABASE IF EXISTS " + db);
    }

    static List<Column> columns(ResultSetMetaData md) throws SQLException {
        List<Column> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            out.add(new Column(md.getColumnLabel(i), md.getColumnName(i), md.getTableName(i), md.getColumnType(i),
                    md.getColumnTypeName(i), md.getPrecision(i), md.getScale(i), md.getColumnClassName(i),
                    md.isNullable(i), md.isSigned(i)));
        }
        return out;
    }

    /** Reads a result set whole; byte arrays become hex so that records compare by content. */
    static Table table(ResultSet rs) throws SQLException {
        List<Column> columns = columns(rs.getMetaData());
        List<List<Object>> rows = new ArrayList<>();
        while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) {
                Object v = rs.getObject(i);
                row.add(v instanceof byte[] b ? "0x" + HexFormat.of().formatHex(b) : v);
            }
            rows.add(row);
        }
        return new Table(columns, rows);
    }

    /** Every result of an executed statement, in order: {@link Table}s and {@link UpdateCount}s. */
    static List<Object> results(Statement s, boolean first) throws SQLException {
        List<Object> out = new ArrayList<>();
        boolean isResultSet = first;
        while (true) {
            if (isResultSet) {
                try (ResultSet rs = s.getResultSet()) {
                    out.add(table(rs));
                }
            } else {
                long count = s.getLargeUpdateCount();
                if (count == -1) {
                    return out;
                }
                out.add(new UpdateCount(count));
            }
            isResultSet = s.getMoreResults();
        }
    }

    static List<SqlError> warnings(SQLWarning w) {
        List<SqlError> out = new ArrayList<>();
        for (; w != null; w = w.getNextWarning()) {
            out.add(SqlError.of(w));
        }
        return out;
    }

    /** Whether Connector/J negotiated TLS on this connection (its own view of the socket, not the server's). */
    static boolean tlsEstablished(Connection c) throws SQLException {
        com.mysql.cj.NativeSession session = (com.mysql.cj.NativeSession)
                c.unwrap(com.mysql.cj.jdbc.JdbcConnection.class).getSession();
        return session.getProtocol().getSocketConnection().isSSLEstablished();
    }
}
