package io.sluice.proxy.admin;

import io.sluice.protocol.message.TextResultSet;
import io.sluice.routing.classify.LexedSql;
import io.sluice.routing.classify.TokenType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code SELECT}s clients send by themselves when they connect, answered so that they connect to the admin
 * interface: the {@code mariadb} client's {@code select @@version_comment limit 1} and {@code select DATABASE(),
 * USER() limit 1} (its {@code status} command), Connector/J's {@code SELECT @@session.auto_increment_increment AS
 * auto_increment_increment, @@character_set_client AS character_set_client, ...}. Each item is a system variable
 * (from a fixed table; unknown ones are NULL), one of a few functions, or a literal, with an optional alias; the column
 * is named as the server would name it, by the alias or the item as written. Nothing else is a SELECT here.
 */
final class ClientTrivia {
    /** What the admin interface says about itself when asked for server variables. */
    private static final Map<String, Object> VARIABLES = Map.ofEntries(
            Map.entry("version_comment", "Sluice admin interface"),
            Map.entry("auto_increment_increment", 1),
            Map.entry("autocommit", 1),
            Map.entry("character_set_client", "utf8mb4"),
            Map.entry("character_set_connection", "utf8mb4"),
            Map.entry("character_set_results", "utf8mb4"),
            Map.entry("character_set_server", "utf8mb4"),
            Map.entry("character_set_database", "utf8mb4"),
            Map.entry("collation_connection", "utf8mb4_general_ci"),
            Map.entry("collation_server", "utf8mb4_general_ci"),
            Map.entry("collation_database", "utf8mb4_general_ci"),
            Map.entry("init_connect", ""),
            Map.entry("interactive_timeout", 28800),
            Map.entry("wait_timeout", 28800),
            Map.entry("net_write_timeout", 60),
            Map.entry("net_buffer_length", 16384),
            Map.entry("max_allowed_packet", AdminSession.MAX_PACKET),
            Map.entry("license", "Apache-2.0"),
            Map.entry("lower_case_table_names", 0),
            Map.entry("performance_schema", 0),
            Map.entry("query_cache_size", 0),
            Map.entry("query_cache_type", "OFF"),
            Map.entry("sql_mode", ""),
            Map.entry("system_time_zone", "UTC"),
            Map.entry("time_zone", "SYSTEM"),
            Map.entry("transaction_isolation", "REPEATABLE-READ"),
            Map.entry("tx_isolation", "REPEATABLE-READ"),
            Map.entry("transaction_read_only", 0),
            Map.entry("tx_read_only", 0),
            Map.entry("have_ssl", "DISABLED"));

    private ClientTrivia() {
    }

    /** The result of a {@code SELECT} of such items, or empty if it selects anything else. */
    static Optional<TextResultSet> select(AdminCommands.Tokens k, AdminCommands.Caller caller, String version) {
        LexedSql t = k.lexed();
        int n = k.size();
        // SELECT item [AS alias] {, item [AS alias]} [LIMIT number]
        if (n >= 4 && k.isWord(n - 2, "LIMIT") && t.is(n - 1, TokenType.NUMBER)) {
            n -= 2;
        }
        List<String> names = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        int i = 1;
        while (true) {
            if (i >= n) {
                return Optional.empty();
            }
            int start = i;
            Object value;
            if (t.is(i, TokenType.SYSTEM_VAR)) {
                value = variable(t.text(i), version);
                i++;
            } else if (t.is(i, TokenType.NUMBER)) {
                value = t.text(i);
                i++;
            } else if (t.is(i, TokenType.STRING)) {
                String s = t.text(i);
                value = s.substring(1, s.length() - 1);
                i++;
            } else if (t.is(i, TokenType.WORD) && i + 2 < n && t.isOperator(i + 1, "(") && t.isOperator(i + 2, ")")) {
                Optional<Object> f = function(t.text(i), caller, version);
                if (f.isEmpty()) {
                    return Optional.empty();
                }
                value = f.get().equals(NULL) ? null : f.get();
                i += 3;
            } else {
                return Optional.empty();
            }
            // As the server names columns: a string literal by its value, anything else by its text.
            String name = t.is(start, TokenType.STRING) ? (String) value
                    : t.sql().substring(t.start(start), t.end(i - 1));
            if (i < n && k.isWord(i, "AS")) {
                i++;
                if (i >= n) {
                    return Optional.empty();
                }
            }
            if (i < n && (t.is(i, TokenType.WORD) || t.is(i, TokenType.QUOTED_IDENT) || t.is(i, TokenType.STRING))
                    && !k.isWord(i, "FROM")) {
                String alias = t.text(i);
                name = t.is(i, TokenType.WORD) ? alias : alias.substring(1, alias.length() - 1);
                i++;
            }
            names.add(name);
            values.add(value);
            if (i == n) {
                break;
            }
            if (!t.isOperator(i, ",")) {
                return Optional.empty();
            }
            i++;
        }
        return Optional.of(TextResultSet.ofText(names.toArray(new String[0])).row(values.toArray()));
    }

    private static final Object NULL = new Object();

    private static Object variable(String token, String version) {
        String name = token.substring(2).toLowerCase(Locale.ROOT);
        int dot = name.indexOf('.');
        if (dot >= 0 && (name.startsWith("session.") || name.startsWith("global.") || name.startsWith("local."))) {
            name = name.substring(dot + 1);
        }
        if (name.equals("version")) {
            return version;
        }
        return VARIABLES.get(name);
    }

    private static Optional<Object> function(String word, AdminCommands.Caller caller, String version) {
        return switch (word.toUpperCase(Locale.ROOT)) {
            case "DATABASE", "SCHEMA" -> Optional.of(NULL);
            case "USER", "SESSION_USER", "SYSTEM_USER", "CURRENT_USER" -> Optional.of(caller.user() + "@" + caller.host());
            case "VERSION" -> Optional.of(version);
            case "CONNECTION_ID" -> Optional.of(caller.connectionId());
            default -> Optional.empty();
        };
    }
}
