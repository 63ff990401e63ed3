package io.sluice.proxy.admin;

import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.message.ColumnDefinition41;
import io.sluice.protocol.message.ErrPacket;
import io.sluice.protocol.message.TextResultSet;
import io.sluice.proxy.config.BackendConfig;
import io.sluice.proxy.config.ConfigReport;
import io.sluice.proxy.failover.Failover;
import io.sluice.proxy.metrics.RouteTarget;
import io.sluice.proxy.session.FrontendSession;
import io.sluice.proxy.session.SessionView;
import io.sluice.routing.classify.LexedSql;
import io.sluice.routing.classify.Lexer;
import io.sluice.routing.classify.TokenType;
import io.sluice.routing.route.Reason;
import io.sluice.routing.topology.Role;
import io.sluice.routing.topology.ServerView;
import io.sluice.routing.topology.TopologySnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The admin interface's statements, read with the routing module's {@link Lexer} (comments, quoting and a trailing
 * {@code ;} handled as the server would), and answered from an {@link AdminContext}:
 * <ul>
 *   <li>{@code SHOW BACKENDS}, {@code SHOW SESSIONS}, {@code SHOW ROUTING STATS}, {@code SHOW CONFIG},
 *       {@code SHOW VERSION}: result sets;</li>
 *   <li>{@code SET BACKEND <name> OFFLINE SOFT | OFFLINE HARD | ONLINE} (the name as written, or quoted);</li>
 *   <li>{@code RELOAD CONFIG}: reads the configuration file again and applies what can change live, or refuses
 *       the whole file (ERR 1210) and keeps the running configuration;</li>
 *   <li>{@code SWITCHOVER TO <name>}: a planned switchover (needs {@code failover.mode: auto}), answered when it
 *       is over;</li>
 *   <li>{@code FAILOVER [TO <name>]}: a failover forced by the operator, in any mode, when the source is dead (ERR
 *       1221 while it answers: SWITCHOVER moves a live source; ERR 1221 while another failover or switchover runs;
 *       ERR 1210 when nothing could be promoted, with why); answered when it is over with the old and new source, how
 *       long it took and the repointed replicas;</li>
 *   <li>what clients send on their own when they connect, so that they connect: {@code SELECT} of system variables
 *       and of {@code DATABASE()}, {@code USER()}, {@code VERSION()}, {@code CONNECTION_ID()}; {@code SET} of session
 *       variables, {@code USE}, {@code COMMIT}, {@code ROLLBACK} (accepted, no effect); {@code SHOW WARNINGS}
 *       (empty).</li>
 * </ul>
 * Anything else is ERR 1064 with the list of commands.
 *
 * <p>Thread-safe and stateless: the session passes who is asking.
 */
public final class AdminCommands {
    private static final Logger log = LoggerFactory.getLogger(AdminCommands.class);
    static final String COMMANDS = "Sluice's admin interface knows SHOW BACKENDS, SHOW SESSIONS, SHOW ROUTING STATS,"
            + " SHOW CONFIG, SHOW VERSION, SET BACKEND <name> OFFLINE SOFT | OFFLINE HARD | ONLINE, RELOAD CONFIG,"
            + " SWITCHOVER TO <name>, FAILOVER [TO <name>]";
    /** How long SHOW SESSIONS waits for a session's event loop to describe it before leaving it out. */
    private static final long SESSION_VIEW_TIMEOUT_MILLIS = 2000;

    /** An answer: OK, ERR, or a result set. */
    public sealed interface Reply {
        record Ok() implements Reply {
        }

        record Error(ErrPacket err) implements Reply {
        }

        record Rows(TextResultSet rows) implements Reply {
        }
    }

    /** Who is asking, for {@code USER()}, {@code CONNECTION_ID()} and the log. */
    public record Caller(long connectionId, String user, String host) {
    }

    private final AdminContext context;

    public AdminCommands(AdminContext context) {
        this.context = context;
    }

    /** Runs one statement; completes at once except for {@code SHOW SESSIONS}, which asks every session's loop. */
    public CompletableFuture<Reply> execute(String sql, Caller caller) {
        LexedSql t = Lexer.lex(sql);
        int n = t.size();
        while (n > 0 && t.is(n - 1, TokenType.SEMICOLON)) {
            n--;   // a trailing ';' (or several), as clients send them
        }
        if (n == 0) {
            return done(new Reply.Error(ErrPacket.of(ErrorCode.EMPTY_QUERY)));
        }
        for (int i = 0; i < n; i++) {
            if (t.is(i, TokenType.SEMICOLON)) {
                return syntaxError("one statement at a time");
            }
        }
        if (!t.terminated()) {
            return syntaxError("unterminated string, identifier or comment");
        }
        Tokens k = new Tokens(t, n);
        if (k.words("SHOW", "BACKENDS")) {
            return done(backends());
        }
        if (k.words("SHOW", "SESSIONS")) {
            return sessions();
        }
        if (k.words("SHOW", "ROUTING", "STATS")) {
            return done(routingStats());
        }
        if (k.words("SHOW", "CONFIG")) {
            return done(config());
        }
        if (k.words("SHOW", "VERSION")) {
            return done(version());
        }
        if (k.words("SHOW", "WARNINGS")) {
            return done(new Reply.Rows(TextResultSet.ofText("Level", "Code", "Message")));
        }
        if (k.startsWith("SET", "BACKEND")) {
            return done(setBackend(k, caller));
        }
        if (k.words("RELOAD", "CONFIG")) {
            try {
                return done(new Reply.Rows(TextResultSet.ofText("reloaded").row(context.reloader().reload())));
            } catch (AdminContext.ReloadRefusedException e) {
                return done(new Reply.Error(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, "RELOAD CONFIG: " + e.getMessage()
                        + "; the running configuration stays")));
            }
        }
        if (k.startsWith("SWITCHOVER")) {
            return switchover(k, n);
        }
        if (k.startsWith("FAILOVER")) {
            return failover(k, n, caller);
        }
        if (k.startsWith("SET") || k.startsWith("USE") || k.words("COMMIT") || k.words("ROLLBACK")) {
            return done(new Reply.Ok());
        }
        if (k.startsWith("SELECT")) {
            return done(ClientTrivia.select(k, caller, context.serverVersion())
                    .<Reply>map(Reply.Rows::new)
                    .orElseGet(() -> syntaxErrorReply("only SELECT of system variables and of DATABASE(), USER(),"
                            + " VERSION() and CONNECTION_ID() is understood")));
        }
        return syntaxError("unknown command");
    }

    /** {@code SWITCHOVER TO <name>}: answered when the switchover is over, with its summary, or ERR with why not. */
    private CompletableFuture<Reply> switchover(Tokens k, int n) {
        if (n < 3 || !k.isWord(1, "TO")) {
            return syntaxError("SWITCHOVER takes TO and a backend name");
        }
        String target = k.unquotedBetween(2, n);
        return context.switchover().apply(target).handle((summary, e) -> {
            if (e == null) {
                return new Reply.Rows(TextResultSet.ofText("switchover").row(summary));
            }
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            return new Reply.Error(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, "SWITCHOVER TO " + target + ": "
                    + c.getMessage()));
        });
    }

    /**
     * {@code FAILOVER [TO <name>]}: answered when the failover is over, with one row (old source, new source, the
     * time from the command to the last replica repointed, the repointed replicas, whether semi-synchronous
     * replication was carried over), or ERR with why nothing was promoted.
     */
    private CompletableFuture<Reply> failover(Tokens k, int n, Caller caller) {
        String target = null;
        if (n > 1) {
            if (n < 3 || !k.isWord(1, "TO")) {
                return syntaxError("FAILOVER takes nothing, or TO and a backend name");
            }
            target = k.unquotedBetween(2, n);
        }
        String what = target == null ? "FAILOVER" : "FAILOVER TO " + target;
        log.info("admin '{}'@{} (admin conn {}): {}", caller.user(), caller.host(), caller.connectionId(), what);
        return context.failover().apply(target).handle((o, e) -> {
            if (e == null) {
                TextResultSet rs = TextResultSet.of(List.of(text("old_source"), text("new_source"),
                        bigint("duration_ms"), text("repointed"), bigint("semi_sync")));
                return new Reply.Rows(rs.row(o.oldSource(), o.newSource(), o.millis(),
                        String.join(",", o.repointed()), o.semiSync() ? 1 : 0));
            }
            Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (!(c instanceof Failover.Refused r)) {
                return new Reply.Error(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, what + ": " + c));
            }
            return new Reply.Error(switch (r.reason()) {
                case SOURCE_REACHABLE -> ErrPacket.of(ErrorCode.WRONG_USAGE, "FAILOVER", "a reachable source: "
                        + r.getMessage() + "; nothing was changed. SWITCHOVER TO <name> moves writes off a live source"
                        + " without losing any");
                case IN_PROGRESS -> ErrPacket.of(ErrorCode.WRONG_USAGE, "FAILOVER", "a failover in progress: "
                        + r.getMessage());
                case NO_SOURCE, BAD_TARGET -> ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, what + ": " + r.getMessage());
                case FAILED -> ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, what + ": nothing was promoted: "
                        + r.getMessage());
            });
        });
    }

    private static ColumnDefinition41 text(String name) {
        return ColumnDefinition41.text(name);
    }

    private static ColumnDefinition41 bigint(String name) {
        return ColumnDefinition41.bigint(name);
    }

    private static CompletableFuture<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    private static CompletableFuture<Reply> syntaxError(String why) {
        return done(syntaxErrorReply(why));
    }

    private static Reply syntaxErrorReply(String why) {
        return new Reply.Error(ErrPacket.of(ErrorCode.SYNTAX_ERROR, why + ". " + COMMANDS));
    }

    // ------------------------------------------------------------------ SHOW BACKENDS

    private Reply backends() {
        TextResultSet rs = TextResultSet.of(List.of(text("name"), text("address"), text("role"), text("state"),
                bigint("lag_ms"), text("gtid_executed"), bigint("in_flight"), bigint("pool_in_use"), bigint("pool_idle"),
                bigint("errors")));
        TopologySnapshot t = context.monitor() == null ? null : context.monitor().get();
        for (BackendConfig b : context.config().backends()) {
            String name = b.name();
            Optional<ServerView> v = t == null ? Optional.empty() : t.server(name);
            BackendOverrides.Mode offline = context.overrides().mode(name);
            String role = v.map(AdminCommands::role).orElse("unknown");
            String state = t == null ? "not monitored" : v.map(AdminCommands::state).orElse("not checked yet");
            if (offline != null) {
                state = "offline " + offline.name().toLowerCase(Locale.ROOT) + " (" + role + ", " + state + ")";
                role = "offline";
            }
            Long lag = v.filter(s -> s.reachable() && s.lagMillis() >= 0).map(ServerView::lagMillis).orElse(null);
            backendRow(rs, name, b.address().toString(), role, state, lag);
        }
        // Removed by a reload, gone from the file, but not yet from Sluice: statements sent there are finishing and
        // sessions may still hold connections to it. Listed until it has drained, so the operator sees the wait.
        for (Map.Entry<String, String> r : context.overrides().retiring().entrySet()) {
            String name = r.getKey();
            int inUse = Math.max(0, context.pools().openConnections(name) - context.pools().idleConnections(name));
            backendRow(rs, name, r.getValue(), "removed", "draining (" + context.routes().inFlight(name)
                    + " statement(s) in flight, " + inUse + " connection(s) in use)", null);
        }
        return new Reply.Rows(rs);
    }

    /** One SHOW BACKENDS row: what the caller says of the server, then its GTIDs, load, pool and errors. */
    private void backendRow(TextResultSet rs, String name, String address, String role, String state, Long lag) {
        String gtid = context.gtidExecuted().apply(name);
        int open = context.pools().openConnections(name);
        int idle = context.pools().idleConnections(name);
        rs.row(name, address, role, state, lag, gtid == null || gtid.isEmpty() ? null : gtid,
                context.routes().inFlight(name), Math.max(0, open - idle), idle, context.metrics().backendErrors(name));
    }

    private static String role(ServerView v) {
        return switch (v.role()) {
            case SOURCE -> "source";
            case REPLICA -> "replica";
            case UNKNOWN -> "unknown";
        };
    }

    private static String state(ServerView v) {
        if (!v.reachable()) {
            return "unreachable";
        }
        if (v.role() == Role.REPLICA && !v.replicating()) {
            return "not replicating";
        }
        return "up";
    }

    // ------------------------------------------------------------------ SHOW SESSIONS

    private CompletableFuture<Reply> sessions() {
        List<CompletableFuture<SessionView>> views = new ArrayList<>();
        for (FrontendSession s : context.registry().all()) {
            // A session whose loop does not answer in time (or is gone) is left out rather than holding the answer.
            views.add(s.viewFromAnyThread().completeOnTimeout(null, SESSION_VIEW_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                    .exceptionally(e -> null));
        }
        return CompletableFuture.allOf(views.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            TextResultSet rs = TextResultSet.of(List.of(bigint("id"), text("user"), text("client"), text("backends"),
                    bigint("in_transaction"), text("state"), bigint("idle_ms"), text("consistency"),
                    text("last_write_gtid"), text("token")));
            views.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull)
                    .sorted(Comparator.comparingLong(SessionView::id))
                    .forEach(v -> rs.row(v.id(), v.user(), address(v.clientAddress()),
                            v.backends().isEmpty() ? null : String.join(",", v.backends()), v.inTransaction(),
                            state(v.phase()), v.idleMillis(), v.consistency(),
                            v.written().isEmpty() ? null : v.written(), v.token().isEmpty() ? null : v.token()));
            return new Reply.Rows(rs);
        });
    }

    /** {@code 10.1.2.3:5000}, {@code [fd00::1]:5000}. */
    private static String address(java.net.InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        java.net.InetAddress ip = a.getAddress();
        String host = ip instanceof java.net.Inet6Address ? "[" + io.netty.util.NetUtil.toAddressString(ip) + "]"
                : ip.getHostAddress();
        return host + ":" + a.getPort();
    }

    private static String state(FrontendSession.Phase p) {
        return switch (p) {
            case COMMAND -> "idle";
            case IN_FLIGHT -> "query";
            default -> p.name().toLowerCase(Locale.ROOT);
        };
    }

    // ------------------------------------------------------------------ SHOW ROUTING STATS, CONFIG, VERSION

    private Reply routingStats() {
        TextResultSet rs = TextResultSet.of(List.of(text("route"), text("reason"), bigint("queries")));
        for (RouteTarget route : new RouteTarget[]{RouteTarget.SOURCE, RouteTarget.REPLICA, RouteTarget.FALLBACK}) {
            for (Reason reason : Reason.values()) {
                long count = context.metrics().queries(route, reason);
                if (count > 0) {
                    rs.row(route.tag(), reason.name().toLowerCase(Locale.ROOT), count);
                }
            }
        }
        // Consistent reads: how often they waited for a replica, and how those waits ended; fenced replica reads.
        rs.row("causal_wait", "reached", context.metrics().causalWaits(true));
        rs.row("causal_wait", "timed_out", context.metrics().causalWaits(false));
        rs.row("causal_fence", "confirmed", context.metrics().fences(true));
        rs.row("causal_fence", "retried_on_source", context.metrics().fences(false));
        return new Reply.Rows(rs);
    }

    private Reply config() {
        TextResultSet rs = TextResultSet.ofText("key", "value");
        for (Map.Entry<String, String> e : ConfigReport.lines(context.config())) {
            rs.row(e.getKey(), e.getValue());
        }
        return new Reply.Rows(rs);
    }

    private Reply version() {
        // MariaDB prefixes its greeting's version with "5.5.5-" for old clients; people want the real one.
        String backend = context.serverVersion();
        if (backend.startsWith("5.5.5-") && backend.contains("MariaDB")) {
            backend = backend.substring("5.5.5-".length());
        }
        return new Reply.Rows(TextResultSet.ofText("sluice", "backend", "java")
                .row(context.sluiceVersion(), backend, System.getProperty("java.version")));
    }

    // ------------------------------------------------------------------ SET BACKEND

    private Reply setBackend(Tokens k, Caller caller) {
        // SET BACKEND <name...> OFFLINE SOFT|HARD | ONLINE: the name is everything between, so that an unquoted
        // default name such as 127.0.0.1:3306 (several tokens) works as well as a quoted one.
        int n = k.size();
        int modeAt;
        BackendOverrides.Mode mode;
        if (n >= 4 && k.isWord(n - 1, "ONLINE")) {
            modeAt = n - 1;
            mode = null;
        } else if (n >= 5 && k.isWord(n - 2, "OFFLINE") && (k.isWord(n - 1, "SOFT") || k.isWord(n - 1, "HARD"))) {
            modeAt = n - 2;
            mode = k.isWord(n - 1, "SOFT") ? BackendOverrides.Mode.SOFT : BackendOverrides.Mode.HARD;
        } else {
            return syntaxErrorReply("SET BACKEND takes a backend name, then OFFLINE SOFT, OFFLINE HARD or ONLINE");
        }
        String name = k.unquotedBetween(2, modeAt);
        List<String> names = context.config().backends().stream().map(BackendConfig::name).toList();
        if (!names.contains(name)) {
            return new Reply.Error(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, "SET BACKEND: no backend named '" + name
                    + "' (the backends are " + String.join(", ", names) + ")"));
        }
        if (context.monitor() == null) {
            return new Reply.Error(ErrPacket.of(ErrorCode.WRONG_ARGUMENTS, "SET BACKEND: without the monitor section"
                    + " every statement goes to the first backend; there is nothing to take offline"));
        }
        String what = mode == null ? "ONLINE" : "OFFLINE " + mode;
        log.info("admin '{}'@{} (admin conn {}): SET BACKEND {} {}", caller.user(), caller.host(),
                caller.connectionId(), name, what);
        if (mode == null) {
            context.overrides().clear(name);
        } else {
            context.overrides().set(name, mode);
            if (mode == BackendOverrides.Mode.HARD) {
                context.pools().closeIdle(name);
                for (FrontendSession s : context.registry().all()) {
                    s.dropBackendFromAnyThread(name);
                }
            }
        }
        return new Reply.Ok();
    }

    /** The statement's tokens up to its trailing {@code ;}. */
    static final class Tokens {
        private final LexedSql t;
        private final int n;

        Tokens(LexedSql t, int n) {
            this.t = t;
            this.n = n;
        }

        int size() {
            return n;
        }

        LexedSql lexed() {
            return t;
        }

        boolean isWord(int i, String upper) {
            return i < n && t.isWord(i, upper);
        }

        /** Exactly these words. */
        boolean words(String... upper) {
            return n == upper.length && startsWith(upper);
        }

        boolean startsWith(String... upper) {
            if (n < upper.length) {
                return false;
            }
            for (int i = 0; i < upper.length; i++) {
                if (!t.isWord(i, upper[i])) {
                    return false;
                }
            }
            return true;
        }

        /** The text from token {@code from} to just before token {@code to}, one quoted token unquoted. */
        String unquotedBetween(int from, int to) {
            if (to - from == 1 && (t.is(from, TokenType.QUOTED_IDENT) || t.is(from, TokenType.STRING))) {
                String q = t.text(from);
                return q.substring(1, q.length() - 1);
            }
            return t.sql().substring(t.start(from), t.end(to - 1)).strip();
        }
    }
}
