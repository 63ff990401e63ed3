package io.sluice.proxy.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The connection attributes a session keeps for the backend logins it makes ({@code _client_name}, {@code _os},
 * {@code _pid}... and Sluice's {@code _sluice_client}), shared between sessions that sent the same ones.
 *
 * <p>A session keeps them for as long as it is connected, idle or not, because a backend connection may be opened
 * for it at any time. They were the largest part of an idle session: about ten entries of a dozen bytes, every
 * one its own {@code String} and map entry, identical across the connections of one application's pool (the
 * driver's name, version, platform and process; the thread that opened them varies a little). Equal sets are
 * now one map, and the keys and values of the others are {@linkplain String#intern() interned}.
 *
 * <p>The shared sets are held by a bounded cache: a client sending a new set with every connection evicts the
 * others, but cannot make it grow. Interned strings live only while a session refers to them.
 */
final class ConnectAttributes {
    /** The name of the attribute that tells the servers which client a backend connection was opened for. */
    static final String SLUICE_CLIENT = "_sluice_client";

    private static final Cache<Map<String, String>, Map<String, String>> SHARED = Caffeine.newBuilder()
            .maximumSize(1024)
            .build();

    private ConnectAttributes() {
    }

    /**
     * The client's attributes in their order, then {@link #SLUICE_CLIENT} with {@code clientHost} (replacing one
     * the client sent): an unmodifiable map, the same instance for equal attributes.
     */
    static Map<String, String> of(Map<String, String> fromClient, String clientHost) {
        Map<String, String> attrs = new LinkedHashMap<>(fromClient.size() * 4 / 3 + 2);
        for (Map.Entry<String, String> e : fromClient.entrySet()) {
            if (!e.getKey().equals(SLUICE_CLIENT)) {
                attrs.put(e.getKey().intern(), e.getValue().intern());
            }
        }
        attrs.put(SLUICE_CLIENT, clientHost.intern());
        Map<String, String> fresh = Collections.unmodifiableMap(attrs);
        return SHARED.get(fresh, k -> fresh);
    }
}
