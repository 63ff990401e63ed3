package io.sluice.proxy.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for misspelt keys: the closest known key by edit distance, if it is close enough to be the likely intent. */
final class Suggestions {
    private Suggestions() {
    }

    static Optional<String> closest(String unknown, Collection<String> known) {
        String u = normalize(unknown);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            // maxConnections, max-connections and MAX_CONNECTIONS all mean max_connections.
            // certificate for cert, address_ for address: a known key that starts the unknown one (or the reverse).
            int d = normalize(k).equals(u) ? 0
                    : k.length() >= 3 && (u.startsWith(normalize(k)) || normalize(k).startsWith(u)) && u.length() >= 3 ? 1
                    : distance(unknown.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // One or two slips in a short key, a third of a long one; beyond that a suggestion is more noise than help.
        int allowed = Math.max(2, unknown.length() / 3);
        return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    private static String normalize(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
