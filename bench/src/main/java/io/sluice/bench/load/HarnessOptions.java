package io.sluice.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one harness run does, from the command line. Defaults are the full run (about 12 minutes);
 * {@code --quick} is one round of 5 s, for checking the harness itself.
 */
record HarnessOptions(boolean quick, int rounds, int seconds, int warmupSeconds, int jitWarmupSeconds, int rate,
                      List<Integer> connections, String clientCpus, String proxyCpus, Path resultsDir, Path sluiceJar,
                      List<String> sluiceJvmOptions, Path compareJar, String sluiceJava, String compareJava,
                      List<String> compareJvmOptions, boolean textProtocol) {

    static final String USAGE = """
            usage: bench/run [options]
              --quick               1 round of 5 s per target (warm-up 2 s): checks the harness in about 5 minutes
              --rounds N            measured rounds per target and workload (default 3)
              --seconds S           length of each measured run (default 10)
              --warmup S            length of the discarded warm-up run per target and workload (default 3)
              --jit-warmup S        once, before anything is measured: S seconds of the four throughput
                                    workloads through Sluice in runs of at most 3 s (new connections each),
                                    discarded, so its JIT has compiled the relay and the start of a session
                                    (default 24; 0 skips it)
              --rate TPS            fixed rate of the latency runs, in sysbench events/s
                                    (default: a third of the slowest target's median throughput in the same workload)
              --connections LIST    idle connections to hold through Sluice, comma-separated (default 1000,10000)
              --client-cpus LIST    CPUs for sysbench (taskset -c; default 0)
              --proxy-cpus LIST     CPUs for Sluice, HAProxy and the Netty relay (taskset -c; default 1)
              --results DIR         where results go (default bench/results)
              --sluice-jar FILE     (default proxy-core/target/sluice.jar)
              --sluice-jvm OPTS     JVM options for Sluice and the Netty relay, space-separated (default none)
              --sluice-java FILE    the java launcher for Sluice and the Netty relay (default: java on PATH);
                                    jcmd and jstat beside it measure Sluice's heap
              --compare-jar FILE    another build of Sluice (say, main's) run beside this one as the target
                                    sluice-base in every throughput and fixed-rate workload, taking turns with
                                    the others; the table adds its column and sluice/sluice-base (about 5
                                    minutes more: a full run took 18.5 minutes)
              --compare-java FILE   sluice-base runs on this java launcher instead (the same build, when
                                    --compare-jar is not given: compares two JVMs)
              --compare-jvm OPTS    sluice-base's JVM options instead of --sluice-jvm's (the same build, when
                                    --compare-jar is not given: compares two JVM settings)
              --text-protocol       sysbench sends its statements as text (--db-ps-mode=disable), as most
                                    drivers do by default (Connector/J without useServerPrepStmts, PHP's PDO),
                                    so Sluice lexes and classifies every statement; by default sysbench uses
                                    server-side prepared statements, classified once, when prepared
            """;

    static HarnessOptions parse(String[] args) {
        boolean quick = false;
        Integer rounds = null;
        Integer seconds = null;
        Integer warmup = null;
        Integer jitWarmup = null;
        int rate = 0;
        List<Integer> connections = List.of(1000, 10_000);
        String clientCpus = "0";
        String proxyCpus = "1";
        Path results = Path.of("bench/results");
        Path jar = Path.of("proxy-core/target/sluice.jar");
        List<String> jvm = List.of();
        Path compare = null;
        String java = "java";
        String compareJava = null;
        List<String> compareJvm = null;
        boolean text = false;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--quick" -> quick = true;
                case "--text-protocol" -> text = true;
                case "-h", "--help" -> throw new UsageException(USAGE);
                case "--rounds", "--seconds", "--warmup", "--jit-warmup", "--rate", "--connections", "--client-cpus", "--proxy-cpus",
                        "--results", "--sluice-jar", "--sluice-jvm", "--compare-jar", "--sluice-java", "--compare-java",
                        "--compare-jvm" -> {
                    if (v == null) {
                        problems.add(a + " needs a value");
                        continue;
                    }
                    i++;
                    try {
                        switch (a) {
                            case "--rounds" -> rounds = positive(a, v);
                            case "--seconds" -> seconds = positive(a, v);
                            case "--warmup" -> warmup = Integer.parseInt(v);
                            case "--jit-warmup" -> jitWarmup = Integer.parseInt(v);
                            case "--rate" -> rate = positive(a, v);
                            case "--connections" -> connections = v.isBlank() ? List.of()
                                    : Arrays.stream(v.split(",")).map(s -> positive(a, s.trim())).toList();
                            case "--client-cpus" -> clientCpus = v;
                            case "--proxy-cpus" -> proxyCpus = v;
                            case "--results" -> results = Path.of(v);
                            case "--sluice-jar" -> jar = Path.of(v);
                            case "--compare-jar" -> compare = Path.of(v);
                            case "--sluice-jvm" -> jvm = words(v);
                            case "--sluice-java" -> java = launcher(v);
                            case "--compare-java" -> compareJava = launcher(v);
                            case "--compare-jvm" -> compareJvm = words(v);
                            default -> throw new IllegalStateException(a);
                        }
                    } catch (IllegalArgumentException e) {
                        problems.add(a + ": " + e.getMessage());
                    }
                }
                default -> problems.add("unknown option " + a);
            }
        }
        if (!problems.isEmpty()) {
            throw new UsageException(String.join("\n", problems) + "\n" + USAGE);
        }
        return new HarnessOptions(quick, rounds != null ? rounds : quick ? 1 : 3, seconds != null ? seconds : quick ? 5 : 10,
                warmup != null ? warmup : quick ? 2 : 3, jitWarmup != null ? jitWarmup : quick ? 6 : 24, rate,
                connections, clientCpus, proxyCpus, results, jar, jvm, compare, java, compareJava, compareJvm, text);
    }

    /** True when a second Sluice, sluice-base, runs beside the first: another build, another JVM, or both. */
    boolean compares() {
        return compareJar != null || compareJava != null || compareJvmOptions != null;
    }

    /** sluice-base's jar: {@code --compare-jar}, else the same build as Sluice's. */
    Path baseJar() {
        return compareJar != null ? compareJar : sluiceJar;
    }

    /** sluice-base's java launcher: {@code --compare-java}, else Sluice's. */
    String baseJava() {
        return compareJava != null ? compareJava : sluiceJava;
    }

    /** sluice-base's JVM options: {@code --compare-jvm}, else Sluice's. */
    List<String> baseJvmOptions() {
        return compareJvmOptions != null ? compareJvmOptions : sluiceJvmOptions;
    }

    private static List<String> words(String v) {
        return v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
    }

    /** A java launcher given as a path must be an executable file; a bare name is looked up on PATH. */
    private static String launcher(String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("must name a java launcher");
        }
        if (v.contains("/") && !Files.isExecutable(Path.of(v))) {
            throw new IllegalArgumentException(v + " is not an executable file");
        }
        return v;
    }

    private static int positive(String option, String v) {
        int n = Integer.parseInt(v);
        if (n <= 0) {
            throw new IllegalArgumentException("must be > 0, was " + v);
        }
        return n;
    }

    /** Bad command line: the message is what to print. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
