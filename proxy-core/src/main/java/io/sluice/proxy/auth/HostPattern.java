package io.sluice.proxy.auth;

import java.net.InetAddress;

/**
 * MySQL account host patterns: {@code %} and {@code _} wildcards, {@code localhost}, literal addresses, and
 * {@code ip/netmask}. Sluice matches on the client's address only (it resolves no names, as the servers it fronts
 * usually run with skip-name-resolve). Patterns are ranked as the server ranks them: literal before wildcard,
 * {@code %} last.
 */
final class HostPattern {
    private HostPattern() {
    }

    static boolean matches(String pattern, InetAddress client) {
        if (pattern == null || pattern.isEmpty() || pattern.equals("%")) {
            return true;
        }
        String ip = client.getHostAddress();
        if (pattern.equalsIgnoreCase("localhost")) {
            return client.isLoopbackAddress();
        }
        int slash = pattern.indexOf('/');
        if (slash > 0) {
            return matchesNetmask(pattern.substring(0, slash), pattern.substring(slash + 1), client);
        }
        if (client.isLoopbackAddress() && (pattern.equals("127.0.0.1") || pattern.equals("::1"))) {
            return true;
        }
        return like(pattern, 0, ip, 0);
    }

    /** Lower is more specific: literal hosts, then patterns with wildcards, then {@code %}. */
    static int rank(String pattern) {
        if (pattern == null || pattern.isEmpty() || pattern.equals("%")) {
            return 2;
        }
        return pattern.indexOf('%') >= 0 || pattern.indexOf('_') >= 0 ? 1 : 0;
    }

    private static boolean matchesNetmask(String net, String mask, InetAddress client) {
        try {
            byte[] n = InetAddress.getByName(net).getAddress();
            byte[] m = InetAddress.getByName(mask).getAddress();
            byte[] c = client.getAddress();
            if (n.length != c.length || m.length != c.length) {
                return false;
            }
            for (int i = 0; i < c.length; i++) {
                if ((c[i] & m[i]) != (n[i] & m[i])) {
                    return false;
                }
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false; // only literal addresses reach here; a malformed one matches nothing
        }
    }

    /** SQL LIKE with % and _ (iterative over the pattern, recursive only at %). */
    private static boolean like(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '%') {
                for (int k = si; k <= s.length(); k++) {
                    if (like(p, pi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length() || (c != '_' && Character.toLowerCase(c) != Character.toLowerCase(s.charAt(si)))) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
    }
}
