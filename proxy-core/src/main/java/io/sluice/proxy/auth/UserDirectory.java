package io.sluice.proxy.auth;

import io.sluice.protocol.auth.CachingSha2Password;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The accounts Sluice authenticates clients against: those in its config, then those loaded from the source's
 * {@code mysql.user} (replaced whole on each refresh). Configured accounts win over loaded ones of the same name.
 *
 * <p>Also the {@code caching_sha2_password} fast-path cache: {@code SHA256(SHA256(password))} per account, filled
 * after a full authentication, as the server fills its own, and dropped when the account's stored hash changes.
 *
 * <p>Thread-safe: read by every event loop, replaced by the refresher.
 */
public final class UserDirectory {
    private volatile Map<String, List<Account>> configured;
    private volatile Map<String, List<Account>> loaded = Map.of();
    /** Per account: {@code SHA256(SHA256(password))} and the password, learnt from a full authentication. */
    private final Map<String, Sha2Entry> sha2Cache = new ConcurrentHashMap<>();

    private record Sha2Entry(byte[] doubleHash, String password) {
    }

    public UserDirectory(List<Account> configuredAccounts) {
        this.configured = index(configuredAccounts);
    }

    public void replaceConfigured(List<Account> accounts) {
        this.configured = index(accounts);
    }

    /** Installs a fresh load from the backend. */
    public void replaceLoaded(List<Account> accounts) {
        this.loaded = index(accounts);
        sha2Cache.keySet().removeIf(k -> !stillValid(k));
    }

    public int loadedCount() {
        return loaded.values().stream().mapToInt(List::size).sum();
    }

    /** The most specific account for this user and client address. */
    public Optional<Account> find(String user, InetAddress client) {
        Optional<Account> fromConfig = pick(configured.get(user), client);
        return fromConfig.isPresent() ? fromConfig : pick(loaded.get(user), client);
    }

    public byte[] sha2CacheEntry(Account account) {
        Sha2Entry e = sha2Cache.get(cacheKey(account));
        return e == null ? null : e.doubleHash();
    }

    /**
     * The clear-text password learnt from an earlier full authentication, which Sluice needs to log in to the
     * backends as this account (kept in memory only, as the server keeps its cache).
     */
    public String sha2Password(Account account) {
        Sha2Entry e = sha2Cache.get(cacheKey(account));
        return e == null ? null : e.password();
    }

    public void rememberSha2(Account account, String password) {
        sha2Cache.put(cacheKey(account), new Sha2Entry(CachingSha2Password.cacheEntry(password), password));
    }

    private boolean stillValid(String key) {
        for (List<Account> accounts : loaded.values()) {
            for (Account a : accounts) {
                if (cacheKey(a).equals(key)) {
                    return true;
                }
            }
        }
        for (List<Account> accounts : configured.values()) {
            for (Account a : accounts) {
                if (cacheKey(a).equals(key)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String cacheKey(Account a) {
        return a.user() + "@" + a.hostPattern() + "#" + a.storedHash();
    }

    private static Optional<Account> pick(List<Account> candidates, InetAddress client) {
        if (candidates == null) {
            return Optional.empty();
        }
        return candidates.stream().filter(a -> a.matches(client)).findFirst();
    }

    private static Map<String, List<Account>> index(List<Account> accounts) {
        return accounts.stream().collect(Collectors.groupingBy(Account::user, Collectors.collectingAndThen(
                Collectors.toList(),
                l -> l.stream().sorted(Comparator.comparingInt(a -> HostPattern.rank(a.hostPattern()))).toList())));
    }
}
