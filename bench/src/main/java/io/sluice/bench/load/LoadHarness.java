package io.sluice.bench.load;

import io.sluice.bench.load.Charts.Metric;
import io.sluice.proxy.sandbox.SandboxAccounts;
import io.sluice.proxy.sandbox.SandboxCluster;
import io.sluice.proxy.sandbox.SandboxOptions;
import io.sluice.proxy.sandbox.SandboxServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench/run}: Sluice against the source directly and against HAProxy ({@code mode tcp}, the L4 reference), on
 * this machine, in one run.
 * <ol>
 *   <li>A sandbox cluster (one source, two replicas), Sluice and HAProxy in front, each proxy its own process pinned
 *       to the proxy CPUs; sysbench always pinned to the client CPUs; the servers are not pinned.</li>
 *   <li>Throughput: sysbench {@code oltp_point_select} (8 and 32 threads), {@code oltp_read_only --skip_trx=on},
 *       {@code oltp_read_write}; once, before any of them, a discarded JIT warm-up of Sluice ({@code --jit-warmup});
 *       per workload a discarded warm-up per target, then rounds in which the targets take
 *       turns, the first one rotating. Per proxy run: CPU seconds per query from {@code /proc}, RSS; per run, the
 *       servers' CPU seconds per query (all three {@code mariadbd}, which share the machine's two cores with
 *       everything else: reads spread over three servers cost them more per query than on one). In
 *       {@code oltp_point_select} with 8 threads, two more targets: the Netty relay, and Sluice with its replicas
 *       out of the rotation ({@link Target#SLUICE_SOURCE}).</li>
 *   <li>Added latency at a fixed rate below saturation ({@code --rate}; by default a third of the slowest
 *       target's median throughput in that workload): p50 and p99.</li>
 *   <li>Connection scale: N idle logged-in clients held through Sluice; heap (after a full GC) and RSS per
 *       connection, and the backend connections they cost (the source's {@code Threads_connected}).</li>
 *   <li>Read-your-writes: 4 clients each insert a row and read it back at once ({@link ReadAfterWrite}); the read's
 *       p50/p99 directly on the source, through HAProxy, through Sluice under {@code session} consistency (served
 *       by a replica that has the row, waiting for one up to {@code routing.causal_wait}), through Sluice with
 *       {@code SET sluice_causal_wait = 0} (a replica known to have committed the row, else the source at once), and
 *       through Sluice with the read sent to the source.</li>
 * </ol>
 * With {@code --compare-jar}, {@code --compare-java} or {@code --compare-jvm}, a second Sluice process
 * ({@link Target#SLUICE_BASE}) stands beside the first: another build, or the same build on another JVM or with other
 * JVM options. It is configured alike and pinned alike, and takes its turn in every throughput and fixed-rate
 * workload: an A/B within one run, where two separate runs would also compare the machine's drift between them.
 * The table is printed and written under {@code bench/results/<time>/} as text, CSV and a PNG chart, with every
 * run in {@code runs.csv} and the machine's details in {@code environment.txt}.
 */
public final class LoadHarness {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** The JIT warm-up's runs last at most this long, so that it sees many sessions begin and end. */
    private static final int JIT_WARMUP_RUN_SECONDS = 3;
    /** A run during which the host stole more than this share of the machine's CPU is measured again... */
    private static final int MAX_STEAL_PERCENT = 10;
    /** ...at most this many times per workload... */
    private static final int MAX_REDOS_PER_WORKLOAD = 4;
    /** ...and per run: a noisy machine still finishes within the 15 minutes, and the table says so. */
    private static final int MAX_REDOS_PER_RUN = 6;
    private static final Target[] ALL = {Target.DIRECT, Target.HAPROXY, Target.NETTY, Target.SLUICE,
            Target.SLUICE_SOURCE};
    private static final Target[] MAIN = {Target.DIRECT, Target.HAPROXY, Target.SLUICE};
    private static final Target[] WITH_SOURCE_ONLY = {Target.DIRECT, Target.HAPROXY, Target.SLUICE, Target.SLUICE_SOURCE};

    private final HarnessOptions opts;
    private final Sysbench sysbench;
    private final ResultTable table = new ResultTable();
    private final StringBuilder runsCsv = new StringBuilder(
            "workload,target,round,seconds,queries,qps,tps,p50_ms,p99_ms,errors,reconnects,proxy_cpu_s,proxy_sys_cpu_s,"
            + "proxy_jit_cpu_s,proxy_rss_kib,servers_cpu_s,host_steal_pct,kept\n");
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private ProcStats.MachineCpu machineAtStart;
    private final Map<Target, Integer> ports = new EnumMap<>(Target.class);
    private final Map<Target, ProxyProcess> proxies = new EnumMap<>(Target.class);
    private SandboxServer source;
    private List<SandboxServer> servers;
    /** Sluice's replicas by the names its configuration gives them (their addresses). */
    private List<String> replicas;
    private ProxyProcess sluice;
    private int redosInRun;

    private LoadHarness(HarnessOptions opts) {
        this.opts = opts;
        this.sysbench = new Sysbench(opts.clientCpus(), opts.textProtocol());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        HarnessOptions opts;
        try {
            opts = HarnessOptions.parse(args);
        } catch (HarnessOptions.UsageException e) {
            boolean help = e.getMessage().startsWith("usage");
            (help ? System.out : System.err).println(e.getMessage());
            System.exit(help ? 0 : 2);
            return;
        }
        LoadHarness h = new LoadHarness(opts);
        Thread hook = new Thread(h::closeAll, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            h.run();
        } catch (HarnessException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
        } finally {
            h.closeAll();
        }
    }

    private void run() {
        long start = System.nanoTime();
        machineAtStart = ProcStats.machineCpu();
        for (String tool : List.of("sysbench", "haproxy", "taskset", "jcmd", "jstat")) {
            if (Commands.run(List.of("sh", "-c", "command -v " + tool), Duration.ofSeconds(5)).exitCode() != 0) {
                throw new HarnessException(tool + " is not on PATH (bench/run installs haproxy and sysbench when missing)");
            }
        }
        if (!Files.isRegularFile(opts.sluiceJar())) {
            throw new HarnessException(opts.sluiceJar() + " not found: build with mvn -B -o -q -DskipTests package");
        }
        if (opts.compareJar() != null && !Files.isRegularFile(opts.compareJar())) {
            throw new HarnessException(opts.compareJar() + " (--compare-jar) not found");
        }
        Path out = opts.resultsDir().resolve(LocalDateTime.now().format(STAMP) + (opts.quick() ? "-quick" : "")
                + (opts.textProtocol() ? "-text" : ""));
        Path work;
        try {
            Files.createDirectories(out);
            work = Files.createTempDirectory("sluice-bench-");
        } catch (IOException e) {
            throw new HarnessException("cannot create directories: " + e.getMessage(), e);
        }
        String loadBefore = ProcStats.loadAverage();
        log("rounds %d x %d s (warm-up %d s, discarded), sysbench on CPUs %s, proxies on CPUs %s, servers unpinned, "
                        + "statements %s; load %s", opts.rounds(), opts.seconds(), opts.warmupSeconds(), opts.clientCpus(),
                opts.proxyCpus(), statements(), loadBefore);

        int maxConnections = opts.connections().stream().mapToInt(Integer::intValue).max().orElse(0);
        log("starting the sandbox cluster (1 source, 2 replicas)");
        SandboxCluster cluster = SandboxCluster.start(SandboxOptions.defaults().withReplicas(2).withInnodb("128M", "32M")
                .withExtraServerArgs(List.of("--max-connections=" + (maxConnections + 500))));
        toClose.push(cluster);
        source = cluster.source();
        servers = cluster.servers();
        replicas = servers.stream().filter(s -> s != source).map(SandboxServer::address).toList();
        List<String> backends = servers.stream().map(SandboxServer::address).toList();
        sluice = ProxyProcess.sluice(opts.sluiceJava(), opts.sluiceJar(), opts.sluiceJvmOptions(), opts.proxyCpus(), work,
                Math.max(10_000, maxConnections + 100), backends,
                SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password());
        toClose.push(sluice);
        ProxyProcess haproxy = ProxyProcess.haproxy(opts.proxyCpus(), work, source.address());
        toClose.push(haproxy);
        ProxyProcess relay = ProxyProcess.nettyRelay(opts.sluiceJava(), opts.sluiceJvmOptions(), opts.proxyCpus(), work, source.address());
        toClose.push(relay);
        ports.put(Target.DIRECT, source.port());
        ports.put(Target.HAPROXY, haproxy.port());
        ports.put(Target.NETTY, relay.port());
        ports.put(Target.SLUICE, sluice.port());
        ports.put(Target.SLUICE_SOURCE, sluice.port());
        proxies.put(Target.HAPROXY, haproxy);
        proxies.put(Target.NETTY, relay);
        proxies.put(Target.SLUICE, sluice);
        proxies.put(Target.SLUICE_SOURCE, sluice);
        log("source %s, haproxy 127.0.0.1:%d (pid %d), netty relay 127.0.0.1:%d (pid %d), sluice 127.0.0.1:%d (pid %d)",
                source.address(), haproxy.port(), haproxy.pid(), relay.port(), relay.pid(), sluice.port(), sluice.pid());
        if (opts.compares()) {
            Path baseWork = work.resolve("base");
            try {
                Files.createDirectories(baseWork);
            } catch (IOException e) {
                throw new HarnessException("cannot create " + baseWork + ": " + e.getMessage(), e);
            }
            ProxyProcess base = ProxyProcess.sluice(opts.baseJava(), opts.baseJar(), opts.baseJvmOptions(), opts.proxyCpus(),
                    baseWork, Math.max(10_000, maxConnections + 100), backends,
                    SandboxAccounts.MONITOR.user(), SandboxAccounts.MONITOR.password());
            toClose.push(base);
            ports.put(Target.SLUICE_BASE, base.port());
            proxies.put(Target.SLUICE_BASE, base);
            log("sluice-base (%s on %s %s) 127.0.0.1:%d (pid %d)", opts.baseJar(), opts.baseJava(),
                    String.join(" ", opts.baseJvmOptions()), base.port(), base.pid());
        }

        log("preparing sbtest (%d tables of %d rows) on the source", Sysbench.TABLES, Sysbench.TABLE_SIZE);
        source.execute("CREATE DATABASE IF NOT EXISTS sbtest");
        sysbench.prepare(source.port());
        cluster.awaitReplicasCaughtUp(Duration.ofMinutes(2));

        List<Sysbench.Workload> throughput = List.of(
                new Sysbench.Workload("point_select t8", "oltp_point_select", 8, List.of(), 0),
                new Sysbench.Workload("point_select t32", "oltp_point_select", 32, List.of(), 0),
                new Sysbench.Workload("read_only skip_trx t8", "oltp_read_only", 8, List.of("--skip_trx=on"), 0),
                new Sysbench.Workload("read_write t8", "oltp_read_write", 8, List.of(), 0));
        if (opts.jitWarmupSeconds() > 0) {
            // Pinned to one CPU, the JVM's compilers share it with the relay: without this, the first workload's
            // rounds measured compilation (CPU per query falling from 38 to 22 us over its three rounds). Short runs,
            // each with new connections: one long run left code that new sessions take (login, a first prepare)
            // out of the compiled hot path, and every round's new connections then cost a wave of
            // deoptimisation and recompilation (a third of Sluice's CPU in the first seconds of a round).
            int each = Math.max(1, opts.jitWarmupSeconds() / throughput.size());
            int runs = (each + JIT_WARMUP_RUN_SECONDS - 1) / JIT_WARMUP_RUN_SECONDS;
            log("warming up Sluice's JIT: %d s of each throughput workload in %d run(s) with new connections, "
                    + "discarded", each, runs);
            for (Sysbench.Workload w : throughput) {
                for (int i = 0; i < runs; i++) {
                    sysbench.run(w, ports.get(Target.SLUICE), Math.max(1, each / runs));
                    if (ports.containsKey(Target.SLUICE_BASE)) {
                        sysbench.run(w, ports.get(Target.SLUICE_BASE), Math.max(1, each / runs));
                    }
                }
            }
            // The relay's JIT too, on the one workload it takes part in.
            sysbench.run(throughput.get(0), ports.get(Target.NETTY), each);
        }
        Map<String, Double> slowestTps = new HashMap<>();
        for (Sysbench.Workload w : throughput) {
            // The Netty relay and Sluice with reads on the source only where the headline is: enough to tell the
            // transport's cost from Sluice's own work, and that from the servers', within the run's time budget.
            slowestTps.put(w.name(), runWorkload(w, false, withBase(w == throughput.get(0) ? ALL : MAIN)));
        }
        for (Sysbench.Workload w : List.of(throughput.get(0), throughput.get(3))) {
            int rate = opts.rate() > 0 ? opts.rate() : roundDown(slowestTps.get(w.name()) / 3);
            // The added latency of the headline workload also with reads on the source: the same servers' work as
            // the relays', so what is left is the proxy's own.
            runWorkload(w.withRate(rate), true, withBase(w == throughput.get(0) ? WITH_SOURCE_ONLY : MAIN));
        }
        measureReadAfterWrite(cluster);

        measureConnections();

        String loadAfter = ProcStats.loadAverage();
        String rendered = table.render();
        System.out.println();
        System.out.println(rendered);
        try {
            Files.writeString(out.resolve("table.txt"), rendered);
            table.writeCsv(out.resolve("summary.csv"));
            Files.writeString(out.resolve("runs.csv"), runsCsv.toString());
            Files.writeString(out.resolve("environment.txt"), environment(loadBefore, loadAfter, start));
            Charts.write(table, opts.rounds() + " round(s) x " + opts.seconds() + " s", out.resolve("chart.png"));
        } catch (IOException e) {
            throw new HarnessException("cannot write results: " + e.getMessage(), e);
        }
        log("results in %s (table.txt, summary.csv, runs.csv, chart.png, environment.txt); took %s; load %s",
                out, ProxyProcess.since(start).withNanos(0), loadAfter);
    }

    /** {@code targets}, and the other build of Sluice after them when there is one ({@code --compare-jar}). */
    private Target[] withBase(Target[] targets) {
        if (!ports.containsKey(Target.SLUICE_BASE)) {
            return targets;
        }
        Target[] all = Arrays.copyOf(targets, targets.length + 1);
        all[targets.length] = Target.SLUICE_BASE;
        return all;
    }

    /**
     * Warm-up, then the rounds, targets alternating. Returns the slowest target's median transactions per second
     * (the base of the fixed rate for latency runs).
     */
    private double runWorkload(Sysbench.Workload w, boolean latency, Target[] targets) {
        if (opts.warmupSeconds() > 0 && !latency) {
            // Not before the fixed-rate runs: the same workloads just ran through every target at full speed. Not
            // for Sluice with reads on the source either: the same process as Sluice's, warmed up with it.
            for (Target t : targets) {
                if (t != Target.SLUICE_SOURCE) {
                    run(w, t, opts.warmupSeconds());
                }
            }
        }
        Map<Target, List<Double>> tps = new EnumMap<>(Target.class);
        int redos = 0;
        for (int round = 1; round <= opts.rounds(); round++) {
            for (int k = 0; k < targets.length; k++) {
                Target t = targets[(round - 1 + k) % targets.length];
                ProxyProcess proxy = proxies.get(t);
                Sysbench.Result r;
                double steal;
                ProcStats.Cpu used;
                double serversCpu;
                long rss;
                while (true) {
                    ProcStats.Cpu cpu0 = proxy == null ? null : ProcStats.cpu(proxy.pid());
                    double servers0 = serversCpu();
                    ProcStats.MachineCpu machine0 = ProcStats.machineCpu();
                    r = run(w, t, opts.seconds());
                    steal = 100 * ProcStats.machineCpu().minus(machine0).stealShare();
                    serversCpu = serversCpu() - servers0;
                    used = proxy == null ? null : ProcStats.cpu(proxy.pid()).minus(cpu0);
                    rss = proxy == null ? -1 : ProcStats.rssKib(proxy.pid());
                    // A shared VM's neighbours take CPU from every target alike, but not evenly over time: a run
                    // during which the host took much of the machine is not comparable with its neighbours in the
                    // round (one such run measured the Netty relay at a tenth of its throughput). Measured again,
                    // a bounded number of times per workload so that a noisy hour still ends.
                    boolean again = steal > MAX_STEAL_PERCENT && redos < MAX_REDOS_PER_WORKLOAD
                            && redosInRun < MAX_REDOS_PER_RUN;
                    double cpu = used == null ? Double.NaN : used.total();
                    runsCsv.append(String.join(",", ResultTable.csv(w.name()), t.label, Integer.toString(round),
                            Integer.toString(opts.seconds()), Long.toString(r.queries()), f(r.qps()), f(r.tps()),
                            f(r.p50Ms()), f(r.p99Ms()), Long.toString(r.errors()), Long.toString(r.reconnects()),
                            proxy == null ? "" : f(cpu), proxy == null ? "" : f(used.system()),
                            proxy == null ? "" : f(used.jit()), proxy == null ? "" : Long.toString(rss), f(serversCpu),
                            f(steal), again ? "0" : "1")).append('\n');
                    log("%-24s round %d %-13s %9.0f qps  p50 %7.3f ms  p99 %7.3f ms  steal %4.1f%%  servers %.1f µs CPU/query%s%s",
                            w.name(), round, t.label, r.qps(), r.p50Ms(), r.p99Ms(), steal,
                            serversCpu * 1e6 / Math.max(1, r.queries()), proxy == null ? ""
                                    : String.format(Locale.ROOT, "  %.1f µs CPU/query (kernel %.1f, JIT %.1f)  RSS %d MiB",
                                    cpu * 1e6 / Math.max(1, r.queries()), used.system() * 1e6 / Math.max(1, r.queries()),
                                    used.jit() * 1e6 / Math.max(1, r.queries()), rss / 1024),
                            again ? "  (stolen by the host: measured again)" : "");
                    if (!again) {
                        break;
                    }
                    redos++;
                    redosInRun++;
                }
                double cpu = used == null ? Double.NaN : used.total();
                tps.computeIfAbsent(t, x -> new ArrayList<>()).add(r.tps());
                if (latency) {
                    table.add(w.name(), Metric.P50, "ms", t, r.p50Ms());
                    table.add(w.name(), Metric.P99, "ms", t, r.p99Ms());
                } else {
                    table.add(w.name(), Metric.QPS, "queries/s", t, r.qps());
                }
                if (proxy != null) {
                    table.add(w.name(), Metric.CPU, "µs", t, cpu * 1e6 / Math.max(1, r.queries()));
                    // The kernel's share: the proxies pay the same loopback TCP per query; the rest is their own code.
                    table.add(w.name(), Metric.CPU_KERNEL, "µs", t, used.system() * 1e6 / Math.max(1, r.queries()));
                    if (t != Target.HAPROXY) {
                        // Compilation still going on is a cost of the run, not of the steady state: shown apart.
                        table.add(w.name(), Metric.CPU_JIT, "µs", t, used.jit() * 1e6 / Math.max(1, r.queries()));
                    }
                    if (!latency) {
                        table.add(w.name(), Metric.RSS, "MiB", t, rss / 1024.0);
                    }
                }
                table.add(w.name(), Metric.SERVERS_CPU, "µs", t, serversCpu * 1e6 / Math.max(1, r.queries()));
                table.add(w.name(), Metric.STEAL, "%", t, steal);
                if (r.errors() > 0 || r.reconnects() > 0) {
                    table.note(w.name(), latency ? Metric.P50 : Metric.QPS,
                            t.label + ": " + r.errors() + " errors, " + r.reconnects() + " reconnects");
                }
            }
        }
        if (redos > 0) {
            table.note(w.name(), Metric.STEAL, String.format(Locale.ROOT,
                    "%d run(s) measured again: the host took more than %d%% of the machine's CPU", redos,
                    MAX_STEAL_PERCENT));
        }
        return tps.values().stream().mapToDouble(v -> ResultTable.Cell.of(v).median()).min().orElse(1000);
    }

    /**
     * One sysbench run against a target. For {@link Target#SLUICE_SOURCE} the replicas leave Sluice's rotation for
     * the run's length and come back after it, so that Sluice (one process, its JIT shared by both targets) serves
     * both ways in alternating runs.
     */
    private Sysbench.Result run(Sysbench.Workload w, Target t, int seconds) {
        if (t != Target.SLUICE_SOURCE) {
            return sysbench.run(w, ports.get(t), seconds);
        }
        sluice.admin().offline(replicas, true);
        try {
            return sysbench.run(w, ports.get(t), seconds);
        } finally {
            sluice.admin().offline(replicas, false);
        }
    }

    /** CPU seconds all the cluster's servers have used so far. */
    private double serversCpu() {
        double sum = 0;
        for (SandboxServer s : servers) {
            sum += ProcStats.cpu(s.pid()).total();
        }
        return sum;
    }

    /** The read of a row just written: directly, through HAProxy, through Sluice (session, and read on source). */
    private void measureReadAfterWrite(SandboxCluster cluster) {
        source.execute("CREATE DATABASE IF NOT EXISTS sluice_bench; CREATE TABLE IF NOT EXISTS sluice_bench.ryw"
                + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, client INT NOT NULL, v BIGINT NOT NULL)");
        cluster.awaitReplicasCaughtUp(Duration.ofMinutes(1));
        for (SandboxServer s : cluster.servers()) {
            s.execute("SET SESSION sql_log_bin = 0; CREATE TABLE IF NOT EXISTS sluice_bench.whoami (name VARCHAR(64));"
                    + " DELETE FROM sluice_bench.whoami; INSERT INTO sluice_bench.whoami VALUES ('" + s.name() + "')");
        }
        String scenario = "read after write";
        String onSource = "read after write, read on source";
        String noWait = "read after write, causal_wait 0";
        int clients = 4;
        // Under a third of a round's length: thousands of pairs per way even so, and the runs of the Netty relay and of
        // Sluice with reads on the source fit in the 15 minutes.
        Duration each = Duration.ofMillis(opts.seconds() * 300L);
        for (int round = 1; round <= opts.rounds(); round++) {
            record Way(String scenario, Target target, int port, String setup, String hint) {
            }
            List<Way> ways = List.of(
                    new Way(scenario, Target.DIRECT, ports.get(Target.DIRECT), null, ""),
                    new Way(scenario, Target.HAPROXY, ports.get(Target.HAPROXY), null, ""),
                    new Way(scenario, Target.SLUICE, ports.get(Target.SLUICE), "SET sluice_consistency = 'session'", ""),
                    new Way(onSource, Target.SLUICE, ports.get(Target.SLUICE), "SET sluice_consistency = 'session'",
                            "/* sluice:source */ "),
                    // The latency-first choice: no replica is known to have the write yet, so the source at once.
                    new Way(noWait, Target.SLUICE, ports.get(Target.SLUICE),
                            "SET sluice_consistency = 'session'; SET sluice_causal_wait = 0", ""));
            for (Way w : ways) {
                ReadAfterWrite.Result r = ReadAfterWrite.run(w.port(), Sysbench.USER, Sysbench.PASSWORD, w.setup(),
                        w.hint(), clients, each);
                table.add(w.scenario(), Metric.P50, "ms", w.target(), r.p50Ms());
                table.add(w.scenario(), Metric.P99, "ms", w.target(), r.p99Ms());
                if (w.target() == Target.SLUICE) {
                    table.note(w.scenario(), Metric.P50, String.format(Locale.ROOT,
                            "sluice: %.0f%% of reads from replicas, %d of %d reads missed their row", 100 * r.replicaShare(),
                            r.misses(), r.pairs()));
                }
                log("%-34s round %d %-8s p50 %7.3f ms  p99 %7.3f ms  %d pairs, %d missed, %.0f%% from replicas",
                        w.scenario(), round, w.target().label, r.p50Ms(), r.p99Ms(), r.pairs(), r.misses(),
                        100 * r.replicaShare());
            }
        }
    }

    /**
     * N idle clients held through Sluice, and through sluice-base when there is one (its heap per connection is what
     * another JVM or build changes most surely). Sluice needs a descriptor per client plus whatever backend
     * connections they cost, all under its {@code ulimit -n}; the first level tells how many backends a client costs,
     * and the larger levels are capped to fit (noted in the table).
     */
    private void measureConnections() {
        measureConnections(Target.SLUICE, sluice, opts.sluiceJava());
        ProxyProcess base = proxies.get(Target.SLUICE_BASE);
        if (base != null) {
            measureConnections(Target.SLUICE_BASE, base, opts.baseJava());
        }
    }

    private void measureConnections(Target target, ProxyProcess proxy, String java) {
        double backendsPerClient = 1.0;
        for (int requested : opts.connections()) {
            String scenario = "idle conns " + requested;
            long limit = ProcStats.maxOpenFiles(proxy.pid());
            int used = ProcStats.openFiles(proxy.pid());
            long self = ProcessHandle.current().pid();
            long selfRoom = ProcStats.maxOpenFiles(self) - ProcStats.openFiles(self) - 64;
            int cap = (int) Math.min(selfRoom, (long) ((limit - used - 64) / (1 + backendsPerClient)));
            int n = Math.min(requested, cap);
            if (n < requested) {
                table.note(scenario, Metric.OPENED, String.format(Locale.ROOT,
                        "%s capped at %d: ulimit -n is %d and each client costs %.2f backend connections",
                        target.label, n, limit, backendsPerClient));
            }
            long threadsBefore = threadsConnected();
            double heapBefore = ProcStats.heapUsedAfterGcKib(proxy.pid(), java);
            long rssBefore = ProcStats.rssKib(proxy.pid());
            long t0 = System.nanoTime();
            try (IdleConnections conns = IdleConnections.open(proxy.port(), n, 8)) {
                Duration took = ProxyProcess.since(t0);
                long threadsAfter = awaitSteadyThreads();
                double heapAfter = ProcStats.heapUsedAfterGcKib(proxy.pid(), java);
                long rssAfter = ProcStats.rssKib(proxy.pid());
                int held = conns.opened();
                if (conns.failures() > 0) {
                    table.note(scenario, Metric.OPENED, target.label + ": " + conns.failures()
                            + " logins failed, first: " + conns.firstFailure());
                }
                table.add(scenario, Metric.OPENED, "", target, held);
                if (held > 0) {
                    table.add(scenario, Metric.HEAP_PER_CONN, "KiB", target, (heapAfter - heapBefore) / held);
                    table.add(scenario, Metric.RSS_PER_CONN, "KiB", target, (rssAfter - rssBefore) / (double) held);
                    table.add(scenario, Metric.BACKENDS, "", target, threadsAfter - threadsBefore);
                    backendsPerClient = Math.max(0.0, (threadsAfter - threadsBefore) / (double) held);
                }
                log("%s %s: %d held (%d failed) in %d ms; heap +%.0f KiB, RSS +%d KiB, source Threads_connected +%d",
                        scenario, target.label, held, conns.failures(), took.toMillis(), heapAfter - heapBefore,
                        rssAfter - rssBefore, threadsAfter - threadsBefore);
            }
            // Backend connections a level opened stay pooled in Sluice (the next level's "before" counts them):
            // wait only until the count stops moving, not for it to fall back.
            awaitSteadyThreads();
        }
    }

    private long threadsConnected() {
        return Long.parseLong(source.queryValue(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'").trim());
    }

    /** Backend logins may trail the client logins by a moment: wait until the count stops moving. */
    private long awaitSteadyThreads() {
        long last = threadsConnected();
        for (int i = 0; i < 60; i++) {
            ProxyProcess.pause(500);
            long now = threadsConnected();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private String statements() {
        return opts.textProtocol() ? "as text (sysbench --db-ps-mode=disable): Sluice classifies each one"
                : "server-side prepared (sysbench's default): Sluice classifies each text once, when prepared";
    }

    private String environment(String loadBefore, String loadAfter, long start) {
        StringBuilder sb = new StringBuilder();
        sb.append("date: ").append(LocalDateTime.now()).append('\n');
        sb.append("options: ").append(opts).append('\n');
        sb.append("cpus online: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        sb.append("placement: sysbench taskset -c ").append(opts.clientCpus()).append("; sluice and haproxy taskset -c ")
                .append(opts.proxyCpus()).append("; mariadbd unpinned\n");
        sb.append("statements: ").append(statements()).append('\n');
        sb.append("load average before: ").append(loadBefore).append("\nload average after: ").append(loadAfter).append('\n');
        sb.append(String.format(Locale.ROOT, "CPU stolen by the host over the run: %.1f%%%n",
                100 * ProcStats.machineCpu().minus(machineAtStart).stealShare()));
        sb.append("server: ").append(source.serverVersion()).append('\n');
        sb.append("sysbench: ").append(Commands.run(List.of("sysbench", "--version"), Duration.ofSeconds(5)).output().trim()).append('\n');
        sb.append("haproxy: ").append(Commands.run(List.of("haproxy", "-v"), Duration.ofSeconds(5)).output().split("\n")[0]).append('\n');
        sb.append("java (the harness): ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append('\n');
        sb.append("java (sluice, netty-relay): ").append(javaVersion(opts.sluiceJava())).append('\n');
        if (opts.compares()) {
            sb.append("java (sluice-base): ").append(javaVersion(opts.baseJava())).append('\n');
        }
        sb.append("kernel: ").append(Commands.run(List.of("uname", "-sr"), Duration.ofSeconds(5)).output().trim()).append('\n');
        sb.append("duration: ").append(ProxyProcess.since(start).withNanos(0)).append('\n');
        return sb.toString();
    }

    /** The first line {@code java -version} prints: the JVM a proxy ran on. */
    private static String javaVersion(String java) {
        Commands.Result r = Commands.run(List.of(java, "-version"), Duration.ofSeconds(20));
        String first = r.output().strip().split("\n")[0];
        return r.exitCode() == 0 ? java + ": " + first : java + ": cannot run (" + first + ")";
    }

    private void closeAll() {
        synchronized (toClose) {
            while (!toClose.isEmpty()) {
                AutoCloseable c = toClose.pop();
                try {
                    c.close();
                } catch (Exception e) {  // cleanup: report and go on closing the rest
                    System.err.println("bench: closing " + c + ": " + e);
                }
            }
        }
    }

    private static int roundDown(double tps) {
        if (tps < 10) {
            return Math.max(1, (int) tps);
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(tps)) - 1);
        return (int) (Math.floor(tps / magnitude) * magnitude);
    }

    private static String f(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                String.format(Locale.ROOT, format, args));
    }
}
