package io.sluice.proxy.auth;

import io.sluice.protocol.auth.CachingSha2Password;
import io.sluice.protocol.auth.NativePassword;
import io.sluice.proxy.backend.QueryClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the source's {@code mysql.user} into {@link Account}s, so that accounts applications create at run time
 * with {@code CREATE USER} can log in through Sluice without touching its config.
 *
 * <p>Accounts whose plugin Sluice cannot serve over the network ({@code unix_socket}, {@code ed25519},
 * {@code auth_socket}) are skipped, and locked accounts too.
 */
public final class BackendAccounts {
    private static final Logger log = LoggerFactory.getLogger(BackendAccounts.class);

    /** Works on MariaDB 10.4+ (where mysql.user is a view over global_priv) and MySQL 5.7/8.x. */
    public static final String QUERY = "SELECT User, Host, plugin, authentication_string FROM mysql.user";

    private BackendAccounts() {
    }

    public static List<Account> fromRows(QueryClient.Result result) {
        int u = result.column("User");
        int h = result.column("Host");
        int p = result.column("plugin");
        int a = result.column("authentication_string");
        List<Account> out = new ArrayList<>();
        for (List<String> row : result.rows()) {
            String user = row.get(u);
            String host = row.get(h);
            String plugin = row.get(p) == null || row.get(p).isEmpty() ? NativePassword.PLUGIN : row.get(p);
            String auth = row.get(a) == null ? "" : row.get(a);
            if (user == null || user.isEmpty()) {
                continue; // anonymous accounts are not served through the proxy
            }
            switch (plugin) {
                case NativePassword.PLUGIN -> {
                    try {
                        byte[] stage2 = NativePassword.parseStoredHash(auth);
                        out.add(new Account(user, host, plugin, null, stage2, auth, false));
                    } catch (IllegalArgumentException e) {
                        log.debug("skipping account '{}'@'{}': unusable native hash", user, host);
                    }
                }
                case CachingSha2Password.PLUGIN -> out.add(new Account(user, host, plugin, null, null, auth, false));
                default -> log.debug("skipping account '{}'@'{}': plugin {} is not served through Sluice",
                        user, host, plugin);
            }
        }
        return out;
    }
}
