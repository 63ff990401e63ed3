package io.sluice.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * sysbench's OLTP tests against one port, pinned with {@code taskset} to the client CPUs, on the {@code sbtest}
 * schema prepared on the source. Latency percentiles come from sysbench's histogram ({@code --histogram=on}), per
 * event: one query for {@code oltp_point_select}, one transaction of several queries for the others.
 */
final class Sysbench {
    static final String USER = "app";
    static final String PASSWORD = "apppw";
    static final int TABLES = 4;
    static final int TABLE_SIZE = 10_000;

    private static final Pattern QUERIES = Pattern.compile("^\\s*queries:\\s+(\\d+)\\s+\\(([0-9.]+) per sec", Pattern.MULTILINE);
    private static final Pattern TRANSACTIONS = Pattern.compile("^\\s*transactions:\\s+(\\d+)\\s+\\(([0-9.]+) per sec", Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("^\\s*ignored errors:\\s+(\\d+)", Pattern.MULTILINE);
    private static final Pattern RECONNECTS = Pattern.compile("^\\s*reconnects:\\s+(\\d+)", Pattern.MULTILINE);
    private static final Pattern HISTOGRAM = Pattern.compile("^\\s*([0-9.]+)\\s+\\|\\**\\s+(\\d+)\\s*$", Pattern.MULTILINE);

    /** One workload: the sysbench test, its threads and extra options, and a fixed rate (0 = as fast as it goes). */
    record Workload(String name, String test, int threads, List<String> options, int rate) {
        Workload withRate(int r) {
            return new Workload(name + " @" + r + "/s", test, threads, options, r);
        }
    }

    /** What one run measured. Latencies in milliseconds. */
    record Result(long queries, double qps, long transactions, double tps, long errors, long reconnects,
                  double p50Ms, double p99Ms) {
    }

    private final String clientCpus;
    private final boolean textProtocol;

    /** @param textProtocol statements as text ({@code --db-ps-mode=disable}) rather than server-side prepared */
    Sysbench(String clientCpus, boolean textProtocol) {
        this.clientCpus = clientCpus;
        this.textProtocol = textProtocol;
    }

    void prepare(int port) {
        List<String> cmd = base("oltp_read_write", port);
        cmd.add("--threads=" + TABLES);
        cmd.add("prepare");
        Commands.runOk(cmd, Duration.ofMinutes(5));
    }

    Result run(Workload w, int port, int seconds) {
        List<String> cmd = base(w.test(), port);
        cmd.add("--threads=" + w.threads());
        cmd.add("--time=" + seconds);
        cmd.add("--histogram=on");
        cmd.add("--percentile=99");
        if (textProtocol) {
            cmd.add("--db-ps-mode=disable");
        }
        if (w.rate() > 0) {
            cmd.add("--rate=" + w.rate());
        }
        cmd.addAll(w.options());
        cmd.add("run");
        String out = Commands.runOk(cmd, Duration.ofSeconds(seconds + 120L));
        return parse(out);
    }

    static Result parse(String out) {
        Matcher q = find(QUERIES, out, "queries");
        Matcher t = find(TRANSACTIONS, out, "transactions");
        long errors = Long.parseLong(find(ERRORS, out, "ignored errors").group(1));
        long reconnects = Long.parseLong(find(RECONNECTS, out, "reconnects").group(1));
        List<double[]> histogram = new ArrayList<>();
        Matcher h = HISTOGRAM.matcher(out);
        long total = 0;
        while (h.find()) {
            long count = Long.parseLong(h.group(2));
            histogram.add(new double[]{Double.parseDouble(h.group(1)), count});
            total += count;
        }
        return new Result(Long.parseLong(q.group(1)), Double.parseDouble(q.group(2)),
                Long.parseLong(t.group(1)), Double.parseDouble(t.group(2)), errors, reconnects,
                percentile(histogram, total, 0.50), percentile(histogram, total, 0.99));
    }

    /** The smallest histogram value at or below which {@code p} of the events fall. */
    private static double percentile(List<double[]> histogram, long total, double p) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(p * total);
        long seen = 0;
        for (double[] bucket : histogram) {
            seen += (long) bucket[1];
            if (seen >= rank) {
                return bucket[0];
            }
        }
        return histogram.get(histogram.size() - 1)[0];
    }

    private static Matcher find(Pattern p, String out, String what) {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new HarnessException("sysbench printed no '" + what + "' line:\n" + Commands.tail(out, 30));
        }
        return m;
    }

    private List<String> base(String test, int port) {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", clientCpus, "sysbench", test,
                "--db-driver=mysql", "--mysql-host=127.0.0.1", "--mysql-port=" + port,
                "--mysql-user=" + USER, "--mysql-password=" + PASSWORD, "--mysql-db=sbtest",
                "--tables=" + TABLES, "--table-size=" + TABLE_SIZE));
        return cmd;
    }
}
