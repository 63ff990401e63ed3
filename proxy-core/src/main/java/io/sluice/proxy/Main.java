package io.sluice.proxy;

import io.netty.util.ResourceLeakDetector;
import io.sluice.proxy.config.ConfigException;
import io.sluice.proxy.config.ConfigLoader;
import io.sluice.proxy.config.SluiceConfig;
import io.sluice.proxy.session.StatementInspector;
import io.sluice.routing.classify.ClassifierCache;
import io.sluice.routing.classify.StatementClassifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code sluice --config FILE} runs the proxy; {@code sluice demo} starts a local sandbox
 * cluster and Sluice in front of it.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A MySQL wire-protocol replication proxy.",
        subcommands = {DemoCommand.class})
public final class Main implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, description = "YAML configuration file (default: ${DEFAULT-VALUE})",
            defaultValue = "conf/sluice.yaml")
    Path config;

    public static void main(String[] args) {
        quietLeakDetection();
        routeJavaUtilLogging();
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() {
        SluiceConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        return runUntilSignalled(cfg, config);
    }

    /**
     * mysql-binlog-connector-java logs through {@code java.util.logging}, which would print its own two-line format
     * to stderr beside Sluice's log and ignore logback's levels ({@code com.github.shyiko} at WARN). Its records go
     * to SLF4J instead; logback's {@code LevelChangePropagator} keeps the JUL levels in step, so records below the
     * configured level are not even created.
     */
    static void routeJavaUtilLogging() {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    /**
     * Netty samples one buffer allocation in 128 for leak reports unless told otherwise; on the relay path that
     * sampling (a stack trace per sampled buffer, a record per touch) cost about 7% of the event loop's Java time
     * under oltp_point_select. The test suite runs every buffer under paranoid detection instead, so production
     * runs without it; {@code -Dio.netty.leakDetection.level=simple} (or advanced, paranoid) brings it back.
     */
    static void quietLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    static int runUntilSignalled(SluiceConfig cfg, Path file) {
        String source = file.toString();
        Sluice sluice;
        try {
            sluice = Sluice.start(cfg, Main.inspector());
        } catch (Sluice.StartupException e) {
            // One line naming the file, the key and the problem.
            System.err.println(source + ": " + e.getMessage());
            return 1;
        }
        sluice.configFile(file);
        reloadOnSighup(sluice);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (or SIGINT) runs this hook: drain, close, and exit 0, which a JVM ending on a signal would not
        // report (it exits 128 + the signal's number); halt is what sets the status from inside a shutdown hook.
        // Nothing else in this process registers a hook that halt could cut short.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sluice.drainAndClose();   // logs whether statements were cut short at shutdown.drain_timeout
            stopped.countDown();
            Runtime.getRuntime().halt(0);
        }, "sluice-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /**
     * SIGHUP reloads the configuration file, as RELOAD CONFIG does; a refused reload is logged and changes nothing.
     * The JDK's only hook for it is {@code sun.misc.Signal} (module jdk.unsupported, kept for exactly this use).
     */
    @SuppressWarnings("restriction")
    private static void reloadOnSighup(Sluice sluice) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                Thread t = new Thread(() -> {
                    try {
                        sluice.reloadFromFile();
                    } catch (io.sluice.proxy.admin.AdminContext.ReloadRefusedException e) {
                        org.slf4j.LoggerFactory.getLogger(Main.class).warn("SIGHUP: reload refused: {}", e.getMessage());
                    }
                }, "sluice-reload");
                t.setDaemon(true);
                t.start();
            });
        } catch (IllegalArgumentException e) {
            org.slf4j.LoggerFactory.getLogger(Main.class).warn("SIGHUP cannot be handled here: {}", e.getMessage());
        }
    }

    /** The statement inspector: the routing module's classifier behind its digest cache. */
    static StatementInspector inspector() {
        ClassifierCache cache = new ClassifierCache(new StatementClassifier(), 10_000);
        return cache::classify;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"sluice " + (v == null ? "development build" : v)};
        }
    }
}
